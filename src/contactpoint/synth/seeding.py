"""Reproducible random streams, derived without Python's salted ``hash()``.

Every chunk of the population and every source system gets its own stream, derived
from the seed and a label with BLAKE2b. The streams do not depend on which worker
process runs a chunk, or on the order chunks run in, so the files are byte-identical
whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def derive_seed(seed: int, *labels: object) -> int:
    """A 64-bit integer that depends only on the seed and the labels."""
    text = ":".join([str(seed), *(str(label) for label in labels)])
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def stream(seed: int, *labels: object) -> random.Random:
    """A fresh random stream for one purpose (a chunk, a source, the reference data)."""
    return random.Random(derive_seed(seed, *labels))


class AffinePermutation:
    """A bijection of ``range(modulus)``: ``i -> (a * i + b) % modulus``.

    Used so that identifiers (NHS numbers, UPNs, source ids) are unique without any
    coordination between chunks, yet do not follow the order people were generated in.
    """

    __slots__ = ("modulus", "multiplier", "offset")

    def __init__(self, modulus: int, seed: int, *labels: object) -> None:
        rng = stream(seed, "permutation", modulus, *labels)
        multiplier = rng.randrange(modulus // 3, modulus)
        while _gcd(multiplier, modulus) != 1:
            multiplier += 1
        self.multiplier = multiplier
        self.modulus = modulus
        self.offset = rng.randrange(modulus)

    def __call__(self, index: int) -> int:
        return (self.multiplier * index + self.offset) % self.modulus


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# random.Random's randint, randrange and choice cost ~0.5 us each (argument checks and
# rejection sampling); these cost a tenth of that, and generation draws millions.
def below(rng: random.Random, n: int) -> int:
    """An integer in range(n)."""
    return int(rng.random() * n)


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer from low to high inclusive."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


class MixingPermutation:
    """A bijection of ``range(2**bits)`` that scatters neighbours (xor-shift-multiply).

    Unlike an affine map, consecutive inputs give outputs with no constant difference,
    so row ids reveal nothing of the order the rows were written in.
    """

    __slots__ = ("mask", "multipliers", "offset", "shifts")

    def __init__(self, bits: int, seed: int, *labels: object) -> None:
        rng = stream(seed, "mixing", bits, *labels)
        self.mask = (1 << bits) - 1
        self.multipliers = tuple(rng.randrange(1 << (bits - 1), 1 << bits) | 1 for _ in range(3))
        self.shifts = (bits // 2, bits // 3 + 1, bits // 2 + 1)
        self.offset = rng.randrange(1 << bits)

    def __call__(self, value: int) -> int:
        mask, (first, second, third), (one, two, three) = self.mask, self.multipliers, self.shifts
        value = ((value ^ (value >> one)) * first) & mask  # unrolled: one call per row
        value = ((value ^ (value >> two)) * second) & mask
        value = ((value ^ (value >> three)) * third) & mask
        return value ^ self.offset
