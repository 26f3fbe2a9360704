"""Merkle tree: frontier, proof generation and verification against naive RFC 9162 references."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from functools import cache

import pytest

from crypto.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    MemoryTree,
    NodeSource,
    ProofError,
    consistency_proof,
    inclusion_proof,
    is_valid_subtree,
    leaf_hash,
    leaf_hashes,
    node_hash,
    perfect_levels,
    range_hash,
    root_from_consistency_proof,
    root_from_inclusion_proof,
    root_from_subtree_consistency_proof,
    root_from_subtree_inclusion_proof,
    subtree_consistency_proof,
    subtree_inclusion_proof,
    subtree_root,
    verify_consistency,
    verify_inclusion,
    verify_subtree_consistency,
    verify_subtree_inclusion,
)

PROOF_MAX = 40
FRONTIER_MAX = 130
SUBTREE_MAX = 24
# Every bit of every proof hash is flipped for trees up to this size; above it, a
# spread of bits per hash keeps the run short (a flipped bit anywhere changes SHA-256
# input the same way, so the exhaustive sweep on small trees covers the positions).
EXHAUSTIVE_FLIP_MAX = 12

# --- independent references, written from the RFC 9162 / MTC recursive definitions ------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


LEAVES: tuple[bytes, ...] = tuple(
    _sha(b"\x00" + f"entry {i}".encode()) for i in range(FRONTIER_MAX + 1)
)


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


@cache
def mth(lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) over LEAVES, straight from the RFC 9162 definition."""
    n = hi - lo
    if n == 0:
        return _sha(b"")
    if n == 1:
        return LEAVES[lo]
    k = _k(n)
    return _sha(b"\x01" + mth(lo, lo + k) + mth(lo + k, hi))


def ref_path(m: int, lo: int, hi: int) -> list[bytes]:
    """RFC 9162 PATH(m, D[lo:hi]), m relative to lo."""
    n = hi - lo
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, lo, lo + k), mth(lo + k, hi)]
    return [*ref_path(m - k, lo + k, hi), mth(lo, lo + k)]


def ref_subproof(m: int, lo: int, hi: int, known: bool) -> list[bytes]:
    """RFC 9162 SUBPROOF(m, D[lo:hi], b)."""
    n = hi - lo
    if m == n:
        return [] if known else [mth(lo, hi)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, lo, lo + k, known), mth(lo + k, hi)]
    return [*ref_subproof(m - k, lo + k, hi, False), mth(lo, lo + k)]


def ref_subtree_subproof(start: int, end: int, lo: int, hi: int, known: bool) -> list[bytes]:
    """MTC SUBTREE_SUBPROOF(start, end, D[lo:hi], b), start and end relative to lo."""
    n = hi - lo
    if start == 0 and end == n:
        return [] if known else [mth(lo, hi)]
    k = _k(n)
    if end <= k:
        return [*ref_subtree_subproof(start, end, lo, lo + k, known), mth(lo + k, hi)]
    if start >= k:
        return [*ref_subtree_subproof(start - k, end - k, lo + k, hi, known), mth(lo, lo + k)]
    return [*ref_subtree_subproof(0, end - k, lo + k, hi, False), mth(lo, lo + k)]


def valid_subtrees(size: int) -> Iterator[tuple[int, int]]:
    for start in range(size):
        for end in range(start + 1, size + 1):
            width = 1
            while width < end - start:
                width *= 2
            if start % width == 0:
                yield start, end


def flipped(proof: list[bytes], position: int, bit: int) -> list[bytes]:
    changed = bytearray(proof[position])
    changed[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:position], bytes(changed), *proof[position + 1 :]]


def bits_to_flip(size: int, salt: int) -> range | list[int]:
    if size <= EXHAUSTIVE_FLIP_MAX:
        return range(HASH_SIZE * 8)
    return [(salt + 37 * j) % (HASH_SIZE * 8) for j in range(8)]


def rejects(verify: Callable[..., None], *args: object) -> bool:
    """Whether the verifier refuses these arguments with a ProofError."""
    try:
        verify(*args)
    except ProofError:
        return True
    return False


@pytest.fixture(scope="module")
def tree() -> MemoryTree:
    return MemoryTree(LEAVES)


# --- tests --------------------------------------------------------------------------------


class TestHashing:
    def test_leaf_hash_prefixes_zero(self) -> None:
        assert leaf_hash(b"abc") == _sha(b"\x00abc")

    def test_node_hash_prefixes_one(self) -> None:
        assert node_hash(b"L" * 32, b"R" * 32) == _sha(b"\x01" + b"L" * 32 + b"R" * 32)

    def test_empty_root_is_hash_of_nothing(self) -> None:
        assert _sha(b"") == EMPTY_ROOT
        assert CompactRange().root() == EMPTY_ROOT

    def test_leaf_and_node_hashes_are_domain_separated(self) -> None:
        left, right = leaf_hash(b"a"), leaf_hash(b"b")
        assert leaf_hash(left + right) != node_hash(left, right)

    def test_rfc6962_reference_tree_root(self) -> None:
        data = [
            b"",
            b"\x00",
            b"\x10",
            b"\x20\x21",
            b"\x30\x31",
            b"\x40\x41\x42\x43",
            bytes(range(0x50, 0x58)),
            bytes(range(0x60, 0x70)),
        ]
        root = subtree_root([leaf_hash(d) for d in data])
        assert root.hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


class TestBulkHashing:
    def test_leaf_hashes_are_leaf_hash_in_order(self) -> None:
        data = [b"", b"a", b"\x00" * 500, bytes(range(256))]
        assert leaf_hashes(data) == [leaf_hash(d) for d in data]
        assert leaf_hashes([]) == []

    @pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 8, 9, 31, 32, 33])
    def test_perfect_levels_of_a_run_from_zero(self, count: int) -> None:
        levels = perfect_levels(LEAVES[:count])
        assert levels[0] == list(LEAVES[:count])
        for level, row in enumerate(levels):
            width = 1 << level
            # Every complete node of the level, and no other.
            assert row == [mth(i * width, (i + 1) * width) for i in range(count >> level)]
        assert len(levels) == max(count.bit_length(), 1)

    @pytest.mark.parametrize(("start", "count"), [(8, 8), (16, 5), (32, 16), (24, 8)])
    def test_perfect_levels_of_a_run_on_a_node_boundary(self, start: int, count: int) -> None:
        levels = perfect_levels(LEAVES[start : start + count])
        for level, row in enumerate(levels):
            width = 1 << level
            first = start >> level
            expected = [mth(i * width, (i + 1) * width) for i in range(first, first + len(row))]
            assert row == expected


class TestCompactRange:
    def test_root_matches_naive_root_for_every_size(self) -> None:
        frontier = CompactRange()
        assert frontier.root() == mth(0, 0)
        for n in range(1, FRONTIER_MAX + 1):
            frontier.append(LEAVES[n - 1])
            assert frontier.size == n
            assert frontier.root() == mth(0, n), n

    def test_frontier_holds_one_hash_per_set_bit(self) -> None:
        frontier = CompactRange()
        for n in range(FRONTIER_MAX + 1):
            assert len(frontier.hashes) == n.bit_count(), n
            frontier.append(LEAVES[n])

    def test_frontier_hashes_are_the_perfect_subtrees_largest_first(self) -> None:
        frontier = CompactRange()
        for n in range(FRONTIER_MAX):
            lo, expected = 0, []
            for level in range(n.bit_length() - 1, -1, -1):
                if n >> level & 1:
                    expected.append((level, lo >> level, mth(lo, lo + (1 << level))))
                    lo += 1 << level
            assert [(x.level, x.index, x.digest) for x in frontier.nodes()] == expected
            frontier.append(LEAVES[n])

    def test_append_reports_the_nodes_it_completes(self, tree: MemoryTree) -> None:
        frontier = CompactRange()
        for n in range(FRONTIER_MAX):
            completed = frontier.append(LEAVES[n])
            assert completed[0].level == 0
            assert completed[0].index == n
            # Leaf n completes one node per trailing one bit of n.
            assert len(completed) == 1 + (n ^ (n + 1)).bit_length() - 1
            for node in completed:
                assert node.digest == tree.node(node.level, node.index)

    def test_bytes_round_trip(self) -> None:
        frontier = CompactRange()
        for n in range(FRONTIER_MAX + 1):
            data = frontier.to_bytes()
            assert len(data) == 8 + 32 * n.bit_count()
            restored = CompactRange.from_bytes(data)
            assert restored == frontier
            assert restored.root() == frontier.root()
            frontier.append(LEAVES[n])

    def test_hash_list_round_trip(self) -> None:
        frontier = CompactRange()
        frontier.extend(LEAVES[:77])
        restored = CompactRange.from_hashes(frontier.size, frontier.hashes)
        assert restored == frontier
        restored.append(LEAVES[77])
        frontier.append(LEAVES[77])
        assert restored == frontier
        assert restored.root() == mth(0, 78)

    def test_from_source_equals_incremental(self, tree: MemoryTree) -> None:
        for n in range(FRONTIER_MAX + 1):
            frontier = CompactRange()
            frontier.extend(LEAVES[:n])
            assert CompactRange.from_source(tree, n) == frontier

    def test_copy_is_independent(self) -> None:
        frontier = CompactRange()
        frontier.extend(LEAVES[:5])
        twin = frontier.copy()
        twin.append(LEAVES[5])
        assert frontier.size == 5
        assert twin.size == 6

    @pytest.mark.parametrize(
        "data",
        [
            b"",
            b"\x00" * 7,
            (3).to_bytes(8, "big") + b"\x00" * 32,
            (1).to_bytes(8, "big"),
            (1).to_bytes(8, "big") + b"\x00" * 64,
            (1).to_bytes(8, "big") + b"\x00" * 31,
        ],
        ids=["empty", "short-size", "too-few", "missing", "too-many", "ragged"],
    )
    def test_malformed_serialisation_is_refused(self, data: bytes) -> None:
        with pytest.raises(ValueError, match="frontier"):
            CompactRange.from_bytes(data)

    def test_from_hashes_refuses_wrong_count_or_length(self) -> None:
        with pytest.raises(ValueError, match="holds 2 hashes"):
            CompactRange.from_hashes(3, [b"\x00" * 32])
        with pytest.raises(ValueError, match="32 bytes"):
            CompactRange.from_hashes(1, [b"\x00" * 31])
        with pytest.raises(ValueError, match="size"):
            CompactRange.from_hashes(-1, [])

    def test_append_refuses_a_non_hash(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            CompactRange().append(b"short")


class TestMemoryTree:
    def test_is_a_node_source(self, tree: MemoryTree) -> None:
        assert isinstance(tree, NodeSource)
        assert tree.size == len(LEAVES)

    def test_nodes_are_perfect_subtree_hashes(self, tree: MemoryTree) -> None:
        for level in range(8):
            width = 1 << level
            for index in range(len(LEAVES) // width):
                assert tree.node(level, index) == mth(index * width, (index + 1) * width)

    def test_incomplete_node_is_missing(self, tree: MemoryTree) -> None:
        with pytest.raises(IndexError):
            tree.node(1, len(LEAVES) // 2)
        with pytest.raises(IndexError):
            tree.node(0, -1)

    def test_root_of_every_prefix(self, tree: MemoryTree) -> None:
        for n in range(len(LEAVES) + 1):
            assert tree.root(n) == mth(0, n)

    def test_range_hash_of_every_valid_subtree(self, tree: MemoryTree) -> None:
        for start, end in valid_subtrees(PROOF_MAX):
            assert range_hash(tree, start, end) == mth(start, end)

    def test_range_hash_refuses_invalid_subtree(self, tree: MemoryTree) -> None:
        with pytest.raises(ValueError, match="not a valid subtree"):
            range_hash(tree, 1, 3)
        with pytest.raises(ValueError, match="past"):
            range_hash(tree, 0, len(LEAVES) + 1)

    def test_subtree_root_of_any_range(self) -> None:
        for start in range(20):
            for end in range(start, 20):
                expected = subtree_root(LEAVES[start:end])
                assert subtree_root(LEAVES, start, end) == expected
        assert subtree_root(LEAVES, 8, 16) == mth(8, 16)

    def test_validity_of_subtrees(self) -> None:
        assert is_valid_subtree(0, 0)
        assert is_valid_subtree(4, 7)
        assert is_valid_subtree(8, 16)
        assert not is_valid_subtree(2, 6)
        assert not is_valid_subtree(1, 3)
        assert not is_valid_subtree(3, 2)


class TestInclusionProofs:
    def test_generated_proofs_match_the_rfc_and_verify(self, tree: MemoryTree) -> None:
        for size in range(1, PROOF_MAX + 1):
            root = mth(0, size)
            for index in range(size):
                proof = inclusion_proof(index, size, tree)
                assert proof == ref_path(index, 0, size), (index, size)
                verify_inclusion(LEAVES[index], index, size, proof, root)
                assert root_from_inclusion_proof(LEAVES[index], index, size, proof) == root

    def test_a_list_of_leaves_is_a_source_too(self, tree: MemoryTree) -> None:
        assert inclusion_proof(5, 13, list(LEAVES[:13])) == inclusion_proof(5, 13, tree)

    def test_any_flipped_bit_fails(self, tree: MemoryTree) -> None:
        for size in range(1, PROOF_MAX + 1):
            root = mth(0, size)
            for index in range(size):
                proof = inclusion_proof(index, size, tree)
                for position in range(len(proof)):
                    for bit in bits_to_flip(size, index + position):
                        bad = flipped(proof, position, bit)
                        refused = rejects(verify_inclusion, LEAVES[index], index, size, bad, root)
                        assert refused, (index, size, position, bit)

    def test_another_index_fails(self, tree: MemoryTree) -> None:
        for size in range(1, PROOF_MAX + 1):
            root = mth(0, size)
            for index in range(size):
                proof = inclusion_proof(index, size, tree)
                for other in range(size + 2):
                    if other != index:
                        refused = rejects(verify_inclusion, LEAVES[index], other, size, proof, root)
                        assert refused, (index, other, size)

    def test_another_size_fails(self, tree: MemoryTree) -> None:
        for size in range(1, PROOF_MAX + 1):
            for index in range(size):
                proof = inclusion_proof(index, size, tree)
                for other in range(index + 1, PROOF_MAX + 2):
                    if other != size:
                        verdict = rejects(
                            verify_inclusion, LEAVES[index], index, other, proof, mth(0, other)
                        )
                        assert verdict, (index, size, other)

    def test_another_leaf_or_root_fails(self, tree: MemoryTree) -> None:
        proof = inclusion_proof(6, 21, tree)
        with pytest.raises(ProofError, match="does not match"):
            verify_inclusion(LEAVES[7], 6, 21, proof, mth(0, 21))
        with pytest.raises(ProofError, match="does not match"):
            verify_inclusion(LEAVES[6], 6, 21, proof, mth(0, 20))

    def test_truncated_or_extended_proof_fails_naming_the_length(self, tree: MemoryTree) -> None:
        proof = inclusion_proof(6, 21, tree)
        with pytest.raises(ProofError, match=f"has {len(proof) - 1} hashes, expected"):
            verify_inclusion(LEAVES[6], 6, 21, proof[:-1], mth(0, 21))
        with pytest.raises(ProofError, match=f"has {len(proof) + 1} hashes, expected"):
            verify_inclusion(LEAVES[6], 6, 21, [*proof, proof[0]], mth(0, 21))

    def test_malformed_inputs_are_refused(self, tree: MemoryTree) -> None:
        proof = inclusion_proof(1, 2, tree)
        with pytest.raises(ProofError, match="outside a tree of size"):
            verify_inclusion(LEAVES[2], 2, 2, proof, mth(0, 2))
        with pytest.raises(ProofError, match="leaf hash must be 32 bytes"):
            verify_inclusion(b"x", 1, 2, proof, mth(0, 2))
        with pytest.raises(ProofError, match="proof hash 0 must be 32 bytes"):
            verify_inclusion(LEAVES[1], 1, 2, [proof[0][:31]], mth(0, 2))
        with pytest.raises(ProofError, match="2\\*\\*64"):
            verify_inclusion(LEAVES[1], -1, 2, proof, mth(0, 2))
        with pytest.raises(ProofError, match="2\\*\\*64"):
            verify_inclusion(LEAVES[1], 1, 1 << 64, proof, mth(0, 2))

    def test_generator_refuses_out_of_range(self, tree: MemoryTree) -> None:
        with pytest.raises(ValueError, match="outside"):
            inclusion_proof(5, 5, tree)
        with pytest.raises(ValueError, match="available"):
            inclusion_proof(0, len(LEAVES) + 1, tree)


class TestConsistencyProofs:
    def test_generated_proofs_match_the_rfc_and_verify(self, tree: MemoryTree) -> None:
        for size2 in range(1, PROOF_MAX + 1):
            root2 = mth(0, size2)
            for size1 in range(1, size2 + 1):
                root1 = mth(0, size1)
                proof = consistency_proof(size1, size2, tree)
                assert proof == ref_subproof(size1, 0, size2, True), (size1, size2)
                verify_consistency(size1, size2, proof, root1, root2)
                assert root_from_consistency_proof(size1, size2, proof, root1) == root2

    def test_any_flipped_bit_fails(self, tree: MemoryTree) -> None:
        for size2 in range(1, PROOF_MAX + 1):
            root2 = mth(0, size2)
            for size1 in range(1, size2 + 1):
                root1 = mth(0, size1)
                proof = consistency_proof(size1, size2, tree)
                for position in range(len(proof)):
                    for bit in bits_to_flip(size2, size1 + position):
                        bad = flipped(proof, position, bit)
                        refused = rejects(verify_consistency, size1, size2, bad, root1, root2)
                        assert refused, (size1, size2, position, bit)

    def test_other_sizes_fail_unless_the_proof_is_the_same(self, tree: MemoryTree) -> None:
        for size2 in range(1, PROOF_MAX + 1):
            for size1 in range(1, size2 + 1):
                proof = consistency_proof(size1, size2, tree)
                others = [(s1, size2) for s1 in range(0, PROOF_MAX + 2)]
                others += [(size1, s2) for s2 in range(0, PROOF_MAX + 2)]
                for s1, s2 in others:
                    if (s1, s2) == (size1, size2):
                        continue
                    same = 0 < s1 <= s2 <= PROOF_MAX and consistency_proof(s1, s2, tree) == proof
                    outcome = rejects(verify_consistency, s1, s2, proof, mth(0, s1), mth(0, s2))
                    assert outcome is not same, (size1, size2, s1, s2)

    def test_swapped_or_wrong_roots_fail(self, tree: MemoryTree) -> None:
        proof = consistency_proof(6, 13, tree)
        with pytest.raises(ProofError, match="subtree hash"):
            verify_consistency(6, 13, proof, mth(0, 13), mth(0, 6))
        with pytest.raises(ProofError, match="subtree hash"):
            verify_consistency(6, 13, proof, mth(0, 5), mth(0, 13))
        with pytest.raises(ProofError, match="root2"):
            verify_consistency(6, 13, proof, mth(0, 6), mth(0, 12))

    def test_power_of_two_old_size_uses_the_old_root(self, tree: MemoryTree) -> None:
        proof = consistency_proof(8, 13, tree)
        assert mth(0, 8) not in proof
        with pytest.raises(ProofError, match="root2"):
            verify_consistency(8, 13, proof, mth(0, 7), mth(0, 13))

    def test_degenerate_sizes(self, tree: MemoryTree) -> None:
        verify_consistency(7, 7, [], mth(0, 7), mth(0, 7))
        with pytest.raises(ProofError, match="expected 0"):
            verify_consistency(7, 7, [mth(0, 7)], mth(0, 7), mth(0, 7))
        with pytest.raises(ProofError, match="empty tree is meaningless"):
            verify_consistency(0, 7, [], EMPTY_ROOT, mth(0, 7))
        with pytest.raises(ProofError, match="greater than"):
            verify_consistency(8, 7, [], mth(0, 8), mth(0, 7))
        with pytest.raises(ValueError, match="0 < size1 <= size2"):
            consistency_proof(0, 7, tree)


class TestSubtreeProofs:
    def test_consistency_proofs_match_the_reference_and_verify(self, tree: MemoryTree) -> None:
        for size in range(1, SUBTREE_MAX + 1):
            root = mth(0, size)
            for start, end in valid_subtrees(size):
                proof = subtree_consistency_proof(start, end, size, tree)
                assert proof == ref_subtree_subproof(start, end, 0, size, True), (start, end)
                verify_subtree_consistency(start, end, size, proof, mth(start, end), root)
                got = root_from_subtree_consistency_proof(start, end, size, proof, mth(start, end))
                assert got == root

    def test_consistency_from_zero_is_the_rfc_proof(self, tree: MemoryTree) -> None:
        for size in range(1, SUBTREE_MAX + 1):
            for end in range(1, size + 1):
                assert subtree_consistency_proof(0, end, size, tree) == consistency_proof(
                    end, size, tree
                )

    def test_consistency_flipped_bits_and_moved_subtrees_fail(self, tree: MemoryTree) -> None:
        for size in range(1, SUBTREE_MAX + 1):
            root = mth(0, size)
            for start, end in valid_subtrees(size):
                proof = subtree_consistency_proof(start, end, size, tree)
                hsub = mth(start, end)
                for position in range(len(proof)):
                    bad = flipped(proof, position, (start + end + position) % 256)
                    assert rejects(verify_subtree_consistency, start, end, size, bad, hsub, root)
                for other_start, other_end in valid_subtrees(size):
                    if (other_start, other_end) != (start, end):
                        other_hash = mth(other_start, other_end)
                        refused = rejects(
                            verify_subtree_consistency,
                            other_start,
                            other_end,
                            size,
                            proof,
                            other_hash,
                            root,
                        )
                        same = subtree_consistency_proof(other_start, other_end, size, tree)
                        assert refused is not (same == proof), (start, end, other_start, other_end)

    def test_inclusion_proofs_match_the_reference_and_verify(self, tree: MemoryTree) -> None:
        for start, end in valid_subtrees(SUBTREE_MAX):
            hsub = mth(start, end)
            for index in range(start, end):
                proof = subtree_inclusion_proof(index, start, end, tree)
                assert proof == ref_path(index - start, start, end)
                verify_subtree_inclusion(LEAVES[index], index, start, end, proof, hsub)
                got = root_from_subtree_inclusion_proof(LEAVES[index], index, start, end, proof)
                assert got == hsub
                for position in range(len(proof)):
                    bad = flipped(proof, position, (index + position) % 256)
                    assert rejects(
                        verify_subtree_inclusion, LEAVES[index], index, start, end, bad, hsub
                    )

    def test_empty_subtree_is_consistent_with_any_tree(self) -> None:
        verify_subtree_consistency(3, 3, 5, [], EMPTY_ROOT, mth(0, 5))
        with pytest.raises(ProofError, match="subtree hash"):
            verify_subtree_consistency(3, 3, 5, [], mth(0, 1), mth(0, 5))
        with pytest.raises(ProofError, match="expected 0"):
            verify_subtree_consistency(3, 3, 5, [EMPTY_ROOT], EMPTY_ROOT, mth(0, 5))
        with pytest.raises(ProofError, match="ends past"):
            verify_subtree_consistency(6, 6, 5, [], EMPTY_ROOT, mth(0, 5))

    def test_invalid_subtrees_are_refused(self, tree: MemoryTree) -> None:
        with pytest.raises(ProofError, match="not a valid subtree"):
            verify_subtree_consistency(2, 6, 8, [], mth(2, 6), mth(0, 8))
        with pytest.raises(ProofError, match="after its end"):
            verify_subtree_inclusion(LEAVES[0], 0, 2, 1, [], mth(0, 1))
        with pytest.raises(ProofError, match="empty"):
            verify_subtree_inclusion(LEAVES[1], 1, 1, 1, [], mth(0, 1))
        with pytest.raises(ProofError, match="outside subtree"):
            verify_subtree_inclusion(LEAVES[0], 0, 1, 2, [], mth(1, 2))
        with pytest.raises(ValueError, match="not a valid"):
            subtree_consistency_proof(2, 6, 8, tree)
        with pytest.raises(ValueError, match="not a valid"):
            subtree_inclusion_proof(3, 3, 5, tree)
