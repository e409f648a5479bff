"""Issuing synthetic NHS numbers and Unique Pupil Numbers.

Numbers are unique per synthetic child without coordination between chunks: each is
a permutation of the child's position in the population, so no two children share
one, and the numbers do not reveal that position.
"""

from __future__ import annotations

from contactpoint.synth.seeding import AffinePermutation

# England issues NHS numbers from 400 000 000-499 999 999 and 600 000 000-799 999 999.
_ENGLISH_NHS_RANGES = (400_000_000, 600_000_000, 700_000_000)
_NHS_BLOCK = 12_500_000  # 8 blocks per range: unique for up to 12.5 million children
_NHS_BLOCKS_PER_RANGE = 8
MAX_CHILDREN = _NHS_BLOCK


def _weighted_sums(weights: tuple[int, int, int]) -> list[int]:
    """Sum of digit x weight for every three-digit group 000-999 (a lookup table)."""
    return [
        sum(int(digit) * weight for digit, weight in zip(f"{n:03d}", weights, strict=True))
        for n in range(1000)
    ]


# The check digits are the published ones (identity.identifiers and python-stdnum check
# them, and the tests compare); computed from tables here because issuing a number per
# child was a tenth of the whole generation time.
_NHS_TABLES = [_weighted_sums((10, 9, 8)), _weighted_sums((7, 6, 5)), _weighted_sums((4, 3, 2))]
_UPN_TABLES = [
    _weighted_sums((2, 3, 4)),
    _weighted_sums((5, 6, 7)),
    _weighted_sums((8, 9, 10)),
    _weighted_sums((11, 12, 13)),
]
_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"  # the DfE's; digits sit at 23-32, so 0 mod 23


def nhs_check_digit(body: int) -> int | None:
    """The mod 11 check digit of a nine-digit body, or None when it would be 10."""
    check = (
        11
        - (
            _NHS_TABLES[0][body // 1_000_000]
            + _NHS_TABLES[1][body // 1000 % 1000]
            + _NHS_TABLES[2][body % 1000]
        )
        % 11
    )
    return 0 if check == 11 else None if check == 10 else check


def upn_check_letter(body: int) -> str:
    """The check letter of a UPN whose twelve characters after it are all digits."""
    total = (
        _UPN_TABLES[0][body // 1_000_000_000]
        + _UPN_TABLES[1][body // 1_000_000 % 1000]
        + _UPN_TABLES[2][body // 1000 % 1000]
        + _UPN_TABLES[3][body % 1000]
    )
    return _UPN_ALPHABET[total % 23]


class NhsNumberIssuer:
    """Gives child number ``i`` a valid, unique NHS number.

    A body whose check digit would be 10 is never issued (as in the real scheme), so
    a child whose first candidate fails tries the next block; blocks never overlap.
    """

    def __init__(self, seed: int) -> None:
        self._permutations = [
            AffinePermutation(_NHS_BLOCK, seed, "nhs", attempt)
            for attempt in range(len(_ENGLISH_NHS_RANGES) * _NHS_BLOCKS_PER_RANGE)
        ]

    def __call__(self, child_index: int) -> str:
        for attempt, permutation in enumerate(self._permutations):
            start = _ENGLISH_NHS_RANGES[attempt % 3] + (attempt // 3) * _NHS_BLOCK
            body = start + permutation(child_index)
            check = nhs_check_digit(body)
            if check is not None:
                return f"{body}{check}"
        raise ValueError("no valid NHS number in any block")  # odds about 1 in 10**25


def corrupt_nhs_number(number: str) -> str:
    """The same number with a check digit that fails mod 11 (a keying error)."""
    last = int(number[-1])
    return number[:-1] + str((last + 1) % 10)


class UpnIssuer:
    """Gives child number ``i`` a valid UPN issued by an English local authority.

    Check letter, the DfE number of the issuing authority, then seven digits standing
    for establishment and serial, then two for the year of issue. Unique for up to
    ten million children per authority and year.
    """

    def __init__(self, seed: int) -> None:
        self._permutation = AffinePermutation(10_000_000, seed, "upn")

    def __call__(self, child_index: int, dfe_la_number: int, issue_year: int) -> str:
        serial = self._permutation(child_index % 10_000_000)
        body = f"{dfe_la_number:03d}{serial // 1000:04d}{issue_year % 100:02d}{serial % 1000:03d}"
        return upn_check_letter(int(body)) + body


def corrupt_upn(number: str) -> str:
    """The same UPN with the wrong check letter."""
    letter = "B" if number[0] != "B" else "C"
    return letter + number[1:]
