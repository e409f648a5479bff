"""RFC 9162 Merkle hashing and proofs: known answers, then properties over many sizes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactpoint.audit.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# Known answers from transparency-dev/merkle, testonly/constants.go and
# testonly/reference_test.go (the RFC 6962 test data also used by Trillian): eight leaf
# inputs, the root of each prefix, and proofs for some (index, size) and (size1, size2).
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
HASHED = [leaf_hash(leaf) for leaf in LEAVES]


def _reference_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: split at the largest power of two below n."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_reference_root(hashes[:k]), _reference_root(hashes[k:]))


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_leaf_and_node_hashes_are_domain_separated():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"l" * 32, b"r" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    # A leaf holding two hashes side by side is not the node over them.
    assert leaf_hash(HASHED[0] + HASHED[1]) != node_hash(HASHED[0], HASHED[1])


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_known_answers(size):
    assert root(HASHED[:size]).hex() == ROOTS[size]
    built = TreeBuilder()
    built.extend(HASHED[:size])
    assert built.root().hex() == ROOTS[size]
    assert built.size == size


def test_empty_tree_root_is_sha256_of_nothing():
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_known_answers(index, size, expected):
    proof = inclusion_proof(index, HASHED[:size])
    assert [p.hex() for p in proof] == expected
    assert verify_inclusion(index, size, HASHED[index], proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("size1", "size2", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_known_answers(size1, size2, expected):
    proof = consistency_proof(size1, HASHED[:size2])
    assert [p.hex() for p in proof] == expected
    old, new = bytes.fromhex(ROOTS[size1]), bytes.fromhex(ROOTS[size2])
    assert verify_consistency(size1, size2, old, new, proof)


@given(st.integers(min_value=0, max_value=300))
def test_root_and_builder_agree_with_the_rfc_definition(size):
    hashes = _leaves(size)
    built = TreeBuilder()
    for i, h in enumerate(hashes, start=1):
        built.append(h)
        if i in (1, size // 2, size):
            assert built.root() == _reference_root(hashes[:i])
    assert root(hashes) == _reference_root(hashes)


def test_builder_memory_is_one_hash_per_set_bit_of_the_size():
    built = TreeBuilder()
    built.extend(_leaves(1000))
    assert len(built._stack) == bin(1000).count("1")


@given(st.data())
def test_every_inclusion_proof_verifies_and_a_wrong_one_fails(data):
    size = data.draw(st.integers(min_value=1, max_value=70))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    hashes = _leaves(size)
    head = root(hashes)
    proof = inclusion_proof(index, hashes)
    assert verify_inclusion(index, size, hashes[index], proof, head)
    wrong_leaf = leaf_hash(b"not in the log")
    assert not verify_inclusion(index, size, wrong_leaf, proof, head)
    assert not verify_inclusion(index, size, hashes[index], proof, leaf_hash(b"other root"))
    if size > 1:
        other = (index + 1) % size
        assert not verify_inclusion(other, size, hashes[index], proof, head)
        assert not verify_inclusion(index, size, hashes[index], proof[:-1], head)
        flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
        assert not verify_inclusion(index, size, hashes[index], flipped, head)
    assert not verify_inclusion(size, size, hashes[index], proof, head)


def test_consistency_between_every_pair_of_sizes_up_to_40():
    hashes = _leaves(40)
    roots = [root(hashes[:n]) for n in range(41)]
    for new in range(41):
        for old in range(new + 1):
            proof = consistency_proof(old, hashes[:new])
            assert verify_consistency(old, new, roots[old], roots[new], proof), (old, new)
            if old == 0:
                continue
            altered = leaf_hash(b"altered old root")
            assert not verify_consistency(old, new, altered, roots[new], proof), (old, new)
            assert not verify_consistency(old, new, roots[old], altered, proof), (old, new)
            if proof:
                assert not verify_consistency(old, new, roots[old], roots[new], proof[:-1])
                assert not verify_consistency(old, new, roots[old], roots[new], proof[::-1]) or (
                    len(set(proof)) == 1
                )


def test_consistency_refuses_a_rewritten_prefix():
    hashes = _leaves(30)
    forged = [*hashes[:7], leaf_hash(b"rewritten"), *hashes[8:]]
    proof = consistency_proof(12, forged)
    assert not verify_consistency(12, 30, root(hashes[:12]), root(forged), proof)


def test_bad_input_is_refused_not_raised():
    assert not verify_inclusion(-1, 4, HASHED[0], [], EMPTY_ROOT)
    assert not verify_inclusion(0, 0, HASHED[0], [], EMPTY_ROOT)
    assert not verify_inclusion(0, 2, HASHED[0], [b"short"], EMPTY_ROOT)
    assert not verify_consistency(5, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(2, 5, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 5, HASHED[0], EMPTY_ROOT, [])
    assert not verify_inclusion(0, 2, HASHED[0], [None], EMPTY_ROOT)  # type: ignore[list-item]
    assert not verify_inclusion(0, 1, "not bytes", [], EMPTY_ROOT)  # type: ignore[arg-type]
    assert not verify_consistency(1, 2, HASHED[0], None, [HASHED[1]])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outside"):
        inclusion_proof(3, HASHED[:3])
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(4, HASHED[:3])


def test_proofs_are_log2_of_the_size():
    hashes = _leaves(5000)
    assert len(inclusion_proof(1000, hashes)) == 13  # ceil(log2(5000)), in the full left half
    assert len(inclusion_proof(4321, hashes)) == 11  # the right part is a smaller subtree
    assert len(consistency_proof(1234, hashes)) <= 2 * 13


@pytest.mark.slow
def test_proofs_for_a_million_entries_are_a_few_hundred_bytes():
    # Proof length is a function of the tree shape only, so cheap stand-in leaves do.
    size = 1_000_000
    hashes = [HASHED[i % 8] for i in range(size)]
    inclusion = inclusion_proof(765_432, hashes)
    consistency = consistency_proof(654_321, hashes)
    assert len(inclusion) == 20
    assert sum(map(len, inclusion)) == 640
    assert 20 <= len(consistency) <= 40
    assert verify_inclusion(765_432, size, hashes[765_432], inclusion, root(hashes))


@pytest.mark.parametrize("start", [0, 1, 5, 1023, 1024, 1500])
@pytest.mark.parametrize("count", [0, 1, 1023, 1024, 2049, 3000])
def test_extend_in_chunks_equals_appending_one_by_one(start, count):
    hashes = _leaves(start + count)
    one_by_one, in_runs = TreeBuilder(), TreeBuilder()
    for h in hashes:
        one_by_one.append(h)
    for h in hashes[:start]:
        in_runs.append(h)
    in_runs.extend(hashes[start:])
    assert in_runs.size == one_by_one.size == start + count
    assert in_runs.root() == one_by_one.root() == _reference_root(hashes)
    assert in_runs._stack == one_by_one._stack


def test_a_run_of_leaves_joins_a_tree_as_its_frontier():

    leaves = [leaf_hash(bytes([i])) for i in range(100)]
    for start, count in ((0, 37), (32, 32), (64, 17), (96, 4)):
        head = TreeBuilder()
        head.extend(leaves[:start])
        part = TreeBuilder()
        part.extend(leaves[start : start + count])
        head.push_frontier(count, part.frontier())
        assert (head.size, head.root()) == (start + count, root(leaves[: start + count]))
    misaligned = TreeBuilder()
    misaligned.extend(leaves[:3])
    part = TreeBuilder()
    part.extend(leaves[3:7])
    with pytest.raises(ValueError, match="subtrees"):
        misaligned.push_frontier(4, part.frontier())


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13, 64, 100])
def test_many_proofs_at_once_are_the_rfc_paths(size):
    from contactpoint.audit.merkle import inclusion_proofs, verify_inclusion  # noqa: PLC0415

    hashes = [leaf_hash(str(i).encode()) for i in range(size)]
    top = root(hashes)
    found = inclusion_proofs(range(size), hashes)
    for i in range(size):
        assert found[i] == inclusion_proof(i, hashes)
        assert verify_inclusion(i, size, hashes[i], found[i], top)
