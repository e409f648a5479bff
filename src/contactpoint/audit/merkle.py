"""RFC 9162 Merkle tree hashing and proofs (Certificate Transparency v2), with SHA-256.

The cryptographic core of the sealed audit trail: `trail.sequence` hashes each entry
placed into a leaf and keeps the tree's state with `TreeBuilder`; verification rebuilds
it. Plain Python, no Django import.

- `leaf_hash(data)` = SHA-256(0x00 || data) and `node_hash(left, right)` =
  SHA-256(0x01 || left || right): leaves and interior nodes are domain-separated, so
  no leaf can pass for a node (RFC 9162 §2.1.1).
- `root(leaf_hashes)` is the Merkle Tree Hash (MTH) of a list of leaf hashes; the
  empty tree's is SHA-256 of nothing. `TreeBuilder` computes the same root while the
  leaf hashes stream past (a stack of the roots of at most log2(n) complete
  subtrees, the "compact range" of Trillian and transparency-dev), so a log of
  millions of entries is checked in O(n) time and O(log n) memory.
- `inclusion_proof` / `verify_inclusion` (§2.1.3) and `consistency_proof` /
  `verify_consistency` (§2.1.4): log2(n) hashes each, so about 640 bytes for a log
  of 1,000,000 entries.

Proof generation here takes the full list of leaf hashes (O(n)); that is enough for
tests and for an auditor's tool. A server answering proofs at scale would keep
interior nodes instead.

Our own code rather than a library: the proofs are about a hundred lines of the RFC's
own algorithms, and no well-kept PyPI package offers them together with C2SP
checkpoints (see audit.checkpoint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32

#: The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

_sha256 = hashlib.sha256

#: Leaves `TreeBuilder.extend` reduces at a time (a power of two).
CHUNK_HEIGHT = 10
CHUNK = 1 << CHUNK_HEIGHT


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return _sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where MTH splits n leaves."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of `leaf_hashes` (already hashed with `leaf_hash`).

    Built level by level: pair neighbours left to right and carry an odd last node up
    unchanged. That is the same tree as RFC 9162's recursive split at the largest
    power of two below n (the last node of a level is always the root of the
    rightmost, smaller subtree), with the loop in C list comprehensions.
    """
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    sha256, prefix = _sha256, _NODE_PREFIX
    while len(level) > 1:
        paired = [
            sha256(prefix + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


class TreeBuilder:
    """The root of a growing log, from leaf hashes appended one at a time.

    Keeps only the roots of the complete subtrees that make up the log so far, one per
    set bit of its size (the compact range [0, size)), so memory is O(log n). Each
    append costs one leaf push and, amortised, one node hash.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self.size = 0

    def append(self, hashed_leaf: bytes) -> None:
        """Add the next leaf (its `leaf_hash`) to the log."""
        stack = self._stack
        stack.append(hashed_leaf)
        n = self.size = self.size + 1
        # Each trailing zero bit of the new size is a pair of equal subtrees to merge.
        while not n & 1:
            right = stack.pop()
            stack[-1] = _sha256(_NODE_PREFIX + stack[-1] + right).digest()
            n >>= 1

    def extend(self, hashed_leaves: Iterable[bytes]) -> None:
        """Add many leaves: whole aligned chunks are reduced level by level, as `root` does.

        Same result as appending one by one, about a third faster for long runs, with
        at most `CHUNK` leaf hashes held at once.
        """
        chunk: list[bytes] = []
        for hashed_leaf in hashed_leaves:
            if chunk or self.size % CHUNK == 0:
                chunk.append(hashed_leaf)
                if len(chunk) == CHUNK:
                    self._push_subtree(root(chunk), CHUNK_HEIGHT)
                    chunk = []
            else:
                self.append(hashed_leaf)
        for hashed_leaf in chunk:
            self.append(hashed_leaf)

    def _push_subtree(self, subtree_root: bytes, height: int) -> None:
        """Add the root of 2**height leaves, the log's size being a multiple of that."""
        stack = self._stack
        stack.append(subtree_root)
        self.size += 1 << height
        n = self.size >> height
        while not n & 1:
            right = stack.pop()
            stack[-1] = _sha256(_NODE_PREFIX + stack[-1] + right).digest()
            n >>= 1

    def frontier(self) -> bytes:
        """The roots of the complete subtrees so far, concatenated: what `resume` needs."""
        return b"".join(self._stack)

    @classmethod
    def resume(cls, size: int, frontier: bytes) -> TreeBuilder:
        """A builder that carries on from a log of `size` leaves with this `frontier`."""
        if size < 0 or len(frontier) != HASH_SIZE * size.bit_count():
            raise ValueError(f"a frontier of a log of {size} leaves is "
                             f"{HASH_SIZE * max(size, 0).bit_count()} bytes, not {len(frontier)}")
        builder = cls()
        builder._stack = [frontier[i : i + HASH_SIZE] for i in range(0, len(frontier), HASH_SIZE)]
        builder.size = size
        return builder

    def push_frontier(self, count: int, frontier: bytes) -> None:
        """Add the next `count` leaves given as their frontier (as `frontier()` of a builder
        that took only those leaves): the complete subtrees they make, largest first.

        The log's size must be a multiple of the largest of them (true when `count` is
        at most the alignment of the present size), so they are subtrees of this tree too.
        """
        heights = [h for h in range(count.bit_length() - 1, -1, -1) if count >> h & 1]
        if len(frontier) != HASH_SIZE * len(heights):
            raise ValueError(f"a frontier of {count} leaves is {HASH_SIZE * len(heights)} "
                             f"bytes, not {len(frontier)}")
        if heights and self.size % (1 << heights[0]):
            raise ValueError(f"{count} leaves cannot follow a log of {self.size} as subtrees")
        for at, height in enumerate(heights):
            self._push_subtree(frontier[at * HASH_SIZE : (at + 1) * HASH_SIZE], height)

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        found = stack[-1]
        for left in reversed(stack[:-1]):
            found = node_hash(left, found)
        return found


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `leaf_hashes` (RFC 9162 §2.1.3.1).

    The sibling hashes from the leaf up to the root; empty for a tree of one leaf.
    """
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of {size} leaves")
    proof: list[bytes] = []
    start, end = 0, size
    # Walk down from the root, keeping the other side's root at each split; the path
    # reads from the leaf up, so the list is reversed at the end.
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            proof.append(root(leaf_hashes[start + k : end]))
            end = start + k
        else:
            proof.append(root(leaf_hashes[start : start + k]))
            start += k
    proof.reverse()
    return proof


def inclusion_proofs(indexes: Iterable[int], leaf_hashes: Sequence[bytes]
                     ) -> dict[int, list[bytes]]:
    """The audit paths of many leaves at once: the tree built once, level by level.

    The same paths as `inclusion_proof` (the level-by-level tree is RFC 9162's, an odd
    last node carried up unchanged with no sibling at that level), in O(n) time for the
    lot rather than O(n) for each; memory is the tree's 2n hashes.
    """
    size = len(leaf_hashes)
    wanted = sorted(set(indexes))
    if any(not 0 <= i < size for i in wanted):
        raise ValueError(f"a leaf index is outside a tree of {size} leaves")
    proofs: dict[int, list[bytes]] = {i: [] for i in wanted}
    at = {i: i for i in wanted}  # each leaf's node index at the present level
    level = list(leaf_hashes)
    sha256, prefix = _sha256, _NODE_PREFIX
    while len(level) > 1:
        for leaf, node in at.items():
            sibling = node ^ 1
            if sibling < len(level):
                proofs[leaf].append(level[sibling])
            at[leaf] = node >> 1
        paired = [sha256(prefix + level[i] + level[i + 1]).digest()
                  for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return proofs


def verify_inclusion(
    index: int, size: int, hashed_leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash at `index` is in the tree of `size` with that root.

    RFC 9162 §2.1.3.2. False for any malformed input, never an exception.
    """
    if not 0 <= index < size or not all(map(_is_hash, (hashed_leaf, expected_root, *proof))):
        return False
    fn, sn = index, size - 1
    found = hashed_leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            found = node_hash(p, found)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            found = node_hash(found, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and found == expected_root


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Proof that the tree of the first `old_size` leaves is a prefix of the whole tree.

    RFC 9162 §2.1.4.1 (SUBPROOF). Empty when `old_size` is 0 or the whole size.
    """
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ValueError(f"old size {old_size} is outside 0..{size}")
    if old_size in (0, size):
        return []
    proof: list[bytes] = []
    m, start, end = old_size, 0, size
    complete = True  # whether the subtree [start, start + m) is the old tree itself
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(root(leaf_hashes[start + k : end]))
            end = start + k
        else:
            proof.append(root(leaf_hashes[start : start + k]))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(root(leaf_hashes[start:end]))
    proof.reverse()
    return proof


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether `proof` shows the tree (old_size, old_root) is a prefix of (new_size, new_root).

    RFC 9162 §2.1.4.2. False for any malformed input, never an exception.
    """
    if not 0 <= old_size <= new_size or not all(map(_is_hash, (old_root, new_root, *proof))):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is a node itself
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(c, first)
            second = node_hash(c, second)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, c)
        fn >>= 1
        sn >>= 1
    return first == old_root and second == new_root and sn == 0
