"""MinHash signatures for many documents at once, value for value equal to datasketch's.

A document's shingles are its word k-grams (`shingles`), taken from normalised text. datasketch's
`MinHash.update_batch` hashes each shingle with a Python callable, pre-mixes the 32-bit hash with
the MurmurHash3 finaliser and applies `num_perm` affine permutations `a * h + b mod 2**32` (its
default "affine32" scheme). `SignatureComputer` does the same for a whole batch of documents with
numpy: shingles are byte ranges of the encoded batch, hashed all at once, and each permutation's
minimum is taken per document with `np.minimum.reduceat`.

Two shingle hashes are offered; both give exactly the signatures datasketch gives with the same
hash, so our signatures, `MinHash` objects and one `MinHashLSH` index can be mixed freely:

* ``"fast"`` (default): a polynomial hash of the shingle's bytes finalised with MurmurHash3's
  64-bit mixer (`fast_hash32`); vectorised, so its cost per shingle is a few numpy operations.
  Pass ``hashfunc=fast_hash32`` to `datasketch.MinHash` to get the same values one by one.
* ``"sha1"``: datasketch's default hash function (`sha1_hash32`), for signatures equal to a plain
  ``MinHash(num_perm, seed)``; hashing stays one hashlib call per shingle, so it is slower.

Example:
    >>> from datasketch import MinHash
    >>> computer = SignatureComputer(SignatureScheme(num_perm=64, shingle_size=3))
    >>> text = "one two three four five six"
    >>> reference = MinHash(num_perm=64, hashfunc=fast_hash32)
    >>> reference.update_batch(shingles(text, 3))
    >>> bool((computer.compute([text])[0] == reference.hashvalues).all())
    True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import methodcaller
from typing import Literal

import numpy as np
from datasketch import LeanMinHash, MinHash
from datasketch.hashfunc import sha1_hash32
from numpy.typing import NDArray

HashName = Literal["fast", "sha1"]
Signatures = NDArray[np.uint32]

_U64 = np.uint64
_MASK64 = (1 << 64) - 1
# Odd multiplier of the polynomial hash (any odd constant is invertible modulo 2**64).
_POLY = 0x9E3779B97F4A7C15
_POLY_INV = pow(_POLY, -1, 1 << 64)
# Mixed in with the length, so that a shingle and the same bytes followed by NULs differ.
_LENGTH_MIX = 0xC2B2AE3D27D4EB4F
# Bytes of text hashed together: bounds the position tables and temporaries to about 40 MB.
_BATCH_BYTES = 1 << 20
# Shingles permuted at once; 8192 x 128 permutations x 4 bytes = 4 MB measured fastest here.
_CHUNK_SHINGLES = 8192


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """What a signature is made of; every signature in one index must share all four values."""

    num_perm: int = 128
    seed: int = 1
    shingle_size: int = 5
    hash: HashName = "fast"

    def __post_init__(self) -> None:
        if not 16 <= self.num_perm <= 1024:
            raise ValueError(f"num_perm must be between 16 and 1024, got {self.num_perm}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be in [0, 2**32), got {self.seed}")
        if not 1 <= self.shingle_size <= 32:
            raise ValueError(f"shingle_size must be between 1 and 32 words, got {self.shingle_size}")
        if self.hash not in ("fast", "sha1"):
            raise ValueError(f"hash must be 'fast' or 'sha1', got {self.hash!r}")

    @property
    def hashfunc(self) -> Callable[[bytes], int]:
        """The per-shingle hash to give `datasketch.MinHash(hashfunc=...)` for equal signatures."""
        return fast_hash32 if self.hash == "fast" else sha1_hash32


def shingles(normalized: str, k: int) -> list[bytes]:
    """Word k-grams of normalised text as UTF-8 bytes; a text shorter than k words is one shingle."""
    if not normalized:
        return []
    words = normalized.split(" ")
    if len(words) <= k:
        return [normalized.encode("utf-8")]
    return [" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)]


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def fast_hash32(data: bytes) -> int:
    """The "fast" shingle hash, one value at a time (the reference for the vectorised version)."""
    poly = 0
    power = 1
    for byte in data:
        poly = (poly + byte * power) & _MASK64
        power = (power * _POLY) & _MASK64
    return _fmix64_int(poly ^ ((len(data) * _LENGTH_MIX) & _MASK64)) >> 32


def _fmix64(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _fmix32(h: NDArray[np.uint32]) -> NDArray[np.uint32]:
    # datasketch's affine32 pre-mix (MurmurHash3's 32-bit finaliser), applied to every input hash.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _power_table(base: int, n: int) -> NDArray[np.uint64]:
    """[1, base, base**2, ...] modulo 2**64 (uint64 products wrap, which is the modulo)."""
    table = np.full(n, base, dtype=np.uint64)
    table[0] = 1
    return np.cumprod(table, dtype=np.uint64)


class SignatureComputer:
    """Computes signatures for batches of normalised texts; one instance per scheme, reused."""

    def __init__(self, scheme: SignatureScheme) -> None:
        self.scheme = scheme
        # Taken from datasketch itself so the permutations can never drift from its scheme.
        a, b = MinHash(num_perm=scheme.num_perm, seed=scheme.seed).permutations
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)
        self._powers = np.ones(0, dtype=np.uint64)
        self._inverse_powers = np.ones(0, dtype=np.uint64)

    def compute(self, normalized_texts: Sequence[str]) -> Signatures:
        """Signatures (one row of `num_perm` uint32 per text) of `normalize_text` outputs.

        An empty text gets the all-0xFFFFFFFF signature of a MinHash that saw nothing.
        """
        out = np.full((len(normalized_texts), self.scheme.num_perm), 0xFFFFFFFF, dtype=np.uint32)
        batch: list[int] = []
        size = 0
        for i, text in enumerate(normalized_texts):
            if not text:
                continue
            if batch and size + len(text) > _BATCH_BYTES:
                self._compute_batch(normalized_texts, batch, out)
                batch, size = [], 0
            batch.append(i)
            size += len(text) + 1
        if batch:
            self._compute_batch(normalized_texts, batch, out)
        return out

    def minhash(self, signature: Signatures) -> LeanMinHash:
        """A datasketch sketch of one signature row, for `MinHashLSH.insert`/`query` and `jaccard`."""
        return LeanMinHash(seed=self.scheme.seed, hashvalues=signature, scheme="affine32")

    def _compute_batch(self, texts: Sequence[str], rows: list[int], out: Signatures) -> None:
        data = " ".join(texts[i] for i in rows).encode("utf-8")
        starts, ends, counts = self._shingle_spans(data, [texts[i] for i in rows])
        if self.scheme.hash == "fast":
            hashes = self._fast_hashes(data, starts, ends)
        else:
            pieces = map(data.__getitem__, map(slice, starts.tolist(), ends.tolist()))
            digests = b"".join(map(methodcaller("digest"), map(hashlib.sha1, pieces)))
            hashes = np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)
        owners = np.repeat(np.asarray(rows, dtype=np.intp), counts)
        self._permute_min(_fmix32(hashes), owners, out)

    def _shingle_spans(
        self, data: bytes, texts: list[str]
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
        """Byte ranges of every shingle in `data` (texts joined by spaces) and shingles per text."""
        k = self.scheme.shingle_size
        spaces = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x20)
        word_starts = np.concatenate(([0], spaces + 1))
        word_ends = np.concatenate((spaces, [len(data)]))
        words = np.fromiter((t.count(" ") + 1 for t in texts), dtype=np.intp, count=len(texts))
        first_word = np.concatenate(([0], np.cumsum(words)[:-1]))
        counts = np.maximum(words - k + 1, 1)
        offsets = np.concatenate(([0], np.cumsum(counts)[:-1]))
        owner = np.repeat(np.arange(len(texts)), counts)
        first = first_word[owner] + np.arange(int(counts.sum())) - offsets[owner]
        last = np.minimum(first + k - 1, (first_word + words - 1)[owner])
        return word_starts[first], word_ends[last], counts

    def _fast_hashes(self, data: bytes, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> Signatures:
        # Prefix sums of byte * P**position give any range's polynomial hash in O(1); multiplying by
        # P**-start shifts it to start at power 0, so equal bytes hash equally wherever they are.
        self._ensure_powers(len(data))
        weighted = np.frombuffer(data, dtype=np.uint8).astype(np.uint64) * self._powers[: len(data)]
        prefix = np.zeros(len(data) + 1, dtype=np.uint64)
        np.cumsum(weighted, out=prefix[1:])
        poly = (prefix[ends] - prefix[starts]) * self._inverse_powers[starts]
        lengths = (ends - starts).astype(np.uint64) * _U64(_LENGTH_MIX)
        return (_fmix64(poly ^ lengths) >> _U64(32)).astype(np.uint32)

    def _ensure_powers(self, n: int) -> None:
        if len(self._powers) >= n:
            return
        n = max(n, 2 * len(self._powers))
        self._powers = _power_table(_POLY, n)
        self._inverse_powers = _power_table(_POLY_INV, n)

    def _permute_min(self, hashes: Signatures, owners: NDArray[np.intp], out: Signatures) -> None:
        # Permutations along rows and shingles along columns: reduceat then takes each document's
        # minimum over contiguous memory, about 4x faster than reducing down the columns.
        a, b = self._a[:, None], self._b[:, None]
        buffer = np.empty((self.scheme.num_perm, _CHUNK_SHINGLES), dtype=np.uint32)
        for lo in range(0, len(hashes), _CHUNK_SHINGLES):
            chunk_owners = owners[lo : lo + _CHUNK_SHINGLES]
            values = buffer[:, : len(chunk_owners)]
            np.multiply(a, hashes[None, lo : lo + _CHUNK_SHINGLES], out=values)
            np.add(values, b, out=values)
            segments = np.concatenate(([0], np.flatnonzero(np.diff(chunk_owners)) + 1))
            mins = np.minimum.reduceat(values, segments, axis=1).T
            targets = chunk_owners[segments]
            out[targets] = np.minimum(out[targets], mins)
