// RFC 9162 §2.1 Merkle trees (the RFC 6962 tree, SHA-256): SPEC §8 district logs, their inclusion
// and consistency proofs, and the verifiers an observer runs on them.
//
//   MTH({})      = SHA-256()                       the empty tree
//   MTH({d0})    = SHA-256(0x00 ‖ d0)              leaf hash
//   MTH(D[n])    = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])),  k the largest power of 2 < n
//
// Sizes and indices are JavaScript numbers: exact up to 2^53, far beyond any district.
import { sha256 } from '@noble/hashes/sha2.js';
import { LedgerError } from './errors.js';
import { hashLeaf32Into, hashNodeInto } from './sha256.js';

/** Bytes of every hash in the tree. */
export const HASH_LENGTH = 32;

const EMPTY_ROOT = sha256(new Uint8Array(0));

/** RFC 9162 §2.1.1: the root of the empty tree, SHA-256 of the empty string (a fresh copy). */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}

/** RFC 9162 §2.1.1: leaf hash SHA-256(0x00 ‖ leafData). */
export function leafHash(leafData: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_LENGTH);
  if (leafData.length === HASH_LENGTH) {
    hashLeaf32Into(leafData, 0, out, 0);
    return out;
  }
  const input = new Uint8Array(1 + leafData.length);
  input.set(leafData, 1);
  return sha256(input);
}

/** RFC 9162 §2.1.1: node hash SHA-256(0x01 ‖ left ‖ right) of two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertHash(left);
  assertHash(right);
  const out = new Uint8Array(HASH_LENGTH);
  hashNodeInto(left, 0, right, 0, out, 0);
  return out;
}

function assertHash(hash: Uint8Array, offset = 0): void {
  if (!(hash instanceof Uint8Array) || offset < 0 || hash.length - offset < HASH_LENGTH) {
    throw new LedgerError('HASH_LENGTH', 'a Merkle tree hash is 32 bytes');
  }
}

function isSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function equalHash(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== HASH_LENGTH || b.length !== HASH_LENGTH) return false;
  for (let i = 0; i < HASH_LENGTH; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The largest power of two strictly below `n` (n ≥ 2): RFC 9162 §2.1.1's split point `k`. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * What a district log must offer to a block builder or replayer (SPEC §8). `MerkleLog` keeps the
 * whole tree and serves proofs; `MerkleFrontier` keeps O(log n) hashes and serves only the root,
 * which is all an observer replaying blocks needs.
 */
export interface MerkleAccumulator {
  /** Number of leaves. */
  readonly size: number;
  /** Appends one leaf by its data (SPEC §8: the 32 raw bytes of a tracking code). */
  append(leafData: Uint8Array): void;
  /** Appends one leaf by its leaf hash, read from `leafHash[offset..offset+32)`. */
  appendLeafHash(leafHash: Uint8Array, offset?: number): void;
  /** The current root, MTH of all leaves. */
  root(): Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Storage: one growable, chunked array of 32-byte hashes per tree level.

// Chunks of 2^15 hashes (1 MiB) bound the cost of growth (no copy of a 300 MB array when a large
// district doubles) and keep every level addressable by (chunk, offset) without per-node objects.
const CHUNK_HASHES = 1 << 15;
const FIRST_CHUNK_HASHES = 16;

/** A dense array of 32-byte hashes stored in 1 MiB chunks; index i lives in chunk ⌊i/2^15⌋. */
class HashStore {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  /** Returns the chunk that will hold hash number `length`, allocating or growing it. */
  reserve(): Uint8Array {
    const i = this.length;
    const c = Math.floor(i / CHUNK_HASHES);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      // Only the first chunk starts small (most districts of a test, or of a small election, stay
      // tiny); later chunks are only reached by large logs.
      chunk = new Uint8Array((c === 0 ? FIRST_CHUNK_HASHES : CHUNK_HASHES) * HASH_LENGTH);
      this.chunks.push(chunk);
    } else if ((i - c * CHUNK_HASHES) * HASH_LENGTH === chunk.length) {
      const grown = new Uint8Array(chunk.length * 2);
      grown.set(chunk);
      this.chunks[c] = grown;
      chunk = grown;
    }
    return chunk;
  }

  chunk(i: number): Uint8Array {
    return this.chunks[Math.floor(i / CHUNK_HASHES)]!;
  }

  static offset(i: number): number {
    return (i % CHUNK_HASHES) * HASH_LENGTH;
  }
}

/**
 * An append-only RFC 9162 Merkle log that stores every full subtree hash: level 0 holds the leaf
 * hashes, level k the hashes of the aligned subtrees of 2^k leaves that are complete.
 *
 * Complexity, for a log of N leaves:
 * - `append`: amortised one leaf hash and one node hash (3 SHA-256 compressions for a 32-byte
 *   leaf); at most ⌈log2 N⌉ new parents. Old nodes are never rehashed.
 * - memory: about 2N hashes, 64 bytes per leaf, in 1 MiB chunks (10M leaves ≈ 640 MB).
 * - `root(size)`, `inclusionProof`, `consistencyProof` for any size ≤ N: O(log N) lookups and
 *   O(log N) node hashes (only the ragged right edge of a tree is not stored).
 */
export class MerkleLog implements MerkleAccumulator {
  private readonly levels: HashStore[] = [new HashStore()];

  /** Rebuilds a log from its leaf hashes, in order. */
  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleLog {
    const log = new MerkleLog();
    for (const h of leafHashes) log.appendLeafHash(h);
    return log;
  }

  /** Number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /** Appends one leaf by its data; a 32-byte leaf takes the allocation-free path. */
  append(leafData: Uint8Array): void {
    const leaves = this.levels[0]!;
    const i = leaves.length;
    const chunk = leaves.reserve();
    if (leafData.length === HASH_LENGTH) {
      hashLeaf32Into(leafData, 0, chunk, HashStore.offset(i));
    } else {
      chunk.set(leafHash(leafData), HashStore.offset(i));
    }
    leaves.length = i + 1;
    this.carry(i);
  }

  /** Appends one leaf by its leaf hash `leafHash[offset..offset+32)`. */
  appendLeafHash(leafHash: Uint8Array, offset = 0): void {
    assertHash(leafHash, offset);
    const leaves = this.levels[0]!;
    const i = leaves.length;
    const chunk = leaves.reserve();
    const o = HashStore.offset(i);
    for (let b = 0; b < HASH_LENGTH; b++) chunk[o + b] = leafHash[offset + b]!;
    leaves.length = i + 1;
    this.carry(i);
  }

  /** The leaf hash at `index` (a copy). */
  leafHashAt(index: number): Uint8Array {
    if (!isSize(index) || index >= this.size) {
      throw new LedgerError(
        'SIZE_INVALID',
        `leaf index ${String(index)} outside a log of ${this.size}`,
      );
    }
    const o = HashStore.offset(index);
    return this.levels[0]!.chunk(index).slice(o, o + HASH_LENGTH);
  }

  /** RFC 9162 §2.1.1: MTH of the first `size` leaves (default: all), for any size ≤ `this.size`. */
  root(size: number = this.size): Uint8Array {
    this.checkSize(size, 'tree size');
    const out = new Uint8Array(HASH_LENGTH);
    this.rangeHashInto(0, size, out);
    return out;
  }

  /**
   * RFC 9162 §2.1.3.1: the inclusion proof PATH(index, D[size]) of leaf `index` in the tree of the
   * first `size` leaves, ordered from the leaf's sibling up to the root's child.
   */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.checkSize(size, 'tree size');
    if (!isSize(index) || index >= size) {
      throw new LedgerError(
        'SIZE_INVALID',
        `leaf index ${String(index)} outside a tree of ${size}`,
      );
    }
    // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])   if m < k
    //              = PATH(m−k, D[k:n]) : MTH(D[0:k])  if m ≥ k
    // Walk it from the root down, collecting siblings, then reverse into leaf-to-root order.
    const path: Uint8Array[] = [];
    let start = 0;
    let n = size;
    let m = index;
    while (n > 1) {
      const k = splitPoint(n);
      if (m < k) {
        path.push(this.rangeHash(start + k, n - k));
        n = k;
      } else {
        path.push(this.rangeHash(start, k));
        start += k;
        m -= k;
        n -= k;
      }
    }
    return path.reverse();
  }

  /**
   * RFC 9162 §2.1.4.1: the consistency proof PROOF(fromSize, D[toSize]) between the trees of the
   * first `fromSize` and `toSize` leaves. Empty when fromSize is 0 or equals toSize.
   */
  consistencyProof(fromSize: number, toSize: number = this.size): Uint8Array[] {
    this.checkSize(toSize, 'tree size');
    if (!isSize(fromSize) || fromSize > toSize) {
      throw new LedgerError('SIZE_INVALID', `consistency from ${String(fromSize)} to ${toSize}`);
    }
    if (fromSize === 0 || fromSize === toSize) return [];
    // SUBPROOF(m, D[n], b):
    //   m = n: [] if b, else [MTH(D[n])]
    //   m ≤ k: SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
    //   m > k: SUBPROOF(m−k, D[k:n], false) : MTH(D[0:k])
    const proof: Uint8Array[] = [];
    let start = 0;
    let n = toSize;
    let m = fromSize;
    let fromIsWholeSubtree = true; // b
    while (m !== n) {
      const k = splitPoint(n);
      if (m <= k) {
        proof.push(this.rangeHash(start + k, n - k));
        n = k;
      } else {
        proof.push(this.rangeHash(start, k));
        start += k;
        m -= k;
        n -= k;
        fromIsWholeSubtree = false;
      }
    }
    if (!fromIsWholeSubtree) proof.push(this.rangeHash(start, m));
    return proof.reverse();
  }

  private checkSize(size: number, what: string): void {
    if (!isSize(size) || size > this.size) {
      throw new LedgerError('SIZE_INVALID', `${what} ${String(size)} beyond a log of ${this.size}`);
    }
  }

  /** Stores the parents that leaf `i` completes: climbs while the node is a right child. */
  private carry(i: number): void {
    let level = 0;
    let index = i;
    while (index % 2 === 1) {
      const children = this.levels[level]!;
      let parents = this.levels[level + 1];
      if (parents === undefined) {
        parents = new HashStore();
        this.levels.push(parents);
      }
      const parentIndex = (index - 1) / 2;
      const chunk = children.chunk(index);
      const o = HashStore.offset(index); // the left sibling is in the same chunk, 32 bytes before
      hashNodeInto(
        chunk,
        o - HASH_LENGTH,
        chunk,
        o,
        parents.reserve(),
        HashStore.offset(parentIndex),
      );
      parents.length = parentIndex + 1;
      index = parentIndex;
      level++;
    }
  }

  private rangeHash(start: number, n: number): Uint8Array {
    const out = new Uint8Array(HASH_LENGTH);
    this.rangeHashInto(start, n, out);
    return out;
  }

  /**
   * MTH(D[start : start+n]) into `out`, for the subtrees RFC 9162's recursion visits: `start` is a
   * multiple of the smallest power of two ≥ n, so the range splits into stored full subtrees, one
   * per set bit of n, largest first; fold them from the right.
   */
  private rangeHashInto(start: number, n: number, out: Uint8Array): void {
    if (n === 0) {
      out.set(EMPTY_ROOT);
      return;
    }
    let have = false;
    let width = 1; // 2^level
    for (let level = 0, rest = n; rest > 0; level++, rest = Math.floor(rest / 2), width *= 2) {
      if (rest % 2 === 0) continue;
      // The subtree of this bit starts after all the larger ones: n with bits ≤ level cleared.
      const first = start + (n - (n % (width * 2)));
      const index = first / width;
      const store = this.levels[level]!;
      const chunk = store.chunk(index);
      const o = HashStore.offset(index);
      if (have) {
        hashNodeInto(chunk, o, out, 0, out, 0);
      } else {
        out.set(chunk.subarray(o, o + HASH_LENGTH));
        have = true;
      }
    }
  }
}

/**
 * The compact form of an append-only Merkle log: one hash per set bit of its size (the "frontier"
 * of complete subtrees), O(log n) memory whatever the size. Enough to append and to compute the
 * root, which is what an observer replaying SPEC §8 blocks checks; it cannot produce proofs.
 */
export class MerkleFrontier implements MerkleAccumulator {
  // Slot k holds the complete subtree of 2^k leaves when bit k of `size` is set.
  private readonly slots = new Uint8Array(64 * HASH_LENGTH);
  private readonly carry = new Uint8Array(HASH_LENGTH);
  private count = 0;

  /** Number of leaves. */
  get size(): number {
    return this.count;
  }

  /** Appends one leaf by its data. */
  append(leafData: Uint8Array): void {
    if (leafData.length === HASH_LENGTH) hashLeaf32Into(leafData, 0, this.carry, 0);
    else this.carry.set(leafHash(leafData));
    this.push();
  }

  /** Appends one leaf by its leaf hash `leafHash[offset..offset+32)`. */
  appendLeafHash(leafHash: Uint8Array, offset = 0): void {
    assertHash(leafHash, offset);
    for (let b = 0; b < HASH_LENGTH; b++) this.carry[b] = leafHash[offset + b]!;
    this.push();
  }

  /** RFC 9162 §2.1.1: MTH of all leaves appended so far. */
  root(): Uint8Array {
    const out = new Uint8Array(HASH_LENGTH);
    if (this.count === 0) {
      out.set(EMPTY_ROOT);
      return out;
    }
    let have = false;
    for (let k = 0, rest = this.count; rest > 0; k++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 0) continue;
      if (have) hashNodeInto(this.slots, k * HASH_LENGTH, out, 0, out, 0);
      else {
        out.set(this.slots.subarray(k * HASH_LENGTH, (k + 1) * HASH_LENGTH));
        have = true;
      }
    }
    return out;
  }

  /**
   * The frontier as plain data (for a checkpoint): its size and the roots of its complete
   * subtrees, lowercase hex, smallest subtree first (one per set bit of `size`).
   */
  snapshot(): { size: number; subtrees: string[] } {
    const subtrees: string[] = [];
    for (let k = 0, rest = this.count; rest > 0; k++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) subtrees.push(toHexBytes(this.slots, k * HASH_LENGTH));
    }
    return { size: this.count, subtrees };
  }

  /** Restores a frontier from `snapshot()`; throws SIZE_INVALID / HASH_LENGTH on bad data. */
  static fromSnapshot(state: { size: number; subtrees: readonly string[] }): MerkleFrontier {
    const frontier = new MerkleFrontier();
    const subtrees: unknown = state.subtrees;
    if (!isSize(state.size) || !Array.isArray(subtrees)) {
      throw new LedgerError('SIZE_INVALID', 'a frontier snapshot needs a size and subtrees');
    }
    let i = 0;
    for (let k = 0, rest = state.size; rest > 0; k++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 0) continue;
      const hex: unknown = state.subtrees[i++];
      if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) {
        throw new LedgerError('HASH_LENGTH', 'a frontier subtree is 32 bytes of lowercase hex');
      }
      for (let b = 0; b < HASH_LENGTH; b++) {
        frontier.slots[k * HASH_LENGTH + b] = parseInt(hex.slice(2 * b, 2 * b + 2), 16);
      }
    }
    if (i !== state.subtrees.length) {
      throw new LedgerError('SIZE_INVALID', 'a frontier snapshot has subtrees its size does not');
    }
    frontier.count = state.size;
    return frontier;
  }

  /** An independent copy (e.g. to checkpoint a district before a block). */
  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.slots.set(this.slots);
    copy.count = this.count;
    return copy;
  }

  private push(): void {
    // Binary increment: merge with the stored subtree of each level while the size bit is set.
    let k = 0;
    for (let rest = this.count; rest % 2 === 1; rest = (rest - 1) / 2, k++) {
      hashNodeInto(this.slots, k * HASH_LENGTH, this.carry, 0, this.carry, 0);
    }
    this.slots.set(this.carry, k * HASH_LENGTH);
    this.count++;
  }
}

/** RFC 9162 §2.1.1: the root over leaf hashes given in order, in O(log n) memory (for verifiers). */
export function merkleRoot(leafHashes: Iterable<Uint8Array>): Uint8Array {
  const frontier = new MerkleFrontier();
  for (const h of leafHashes) frontier.appendLeafHash(h);
  return frontier.root();
}

function toHexBytes(bytes: Uint8Array, offset: number): string {
  let out = '';
  for (let b = 0; b < HASH_LENGTH; b++) out += bytes[offset + b]!.toString(16).padStart(2, '0');
  return out;
}

function isHashList(proof: unknown): proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) return false;
  for (const p of proof as unknown[]) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_LENGTH) return false;
  }
  return true;
}

/**
 * RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or undefined when the proof cannot be
 * one for (index, treeSize) — a wrong number of elements, an index beyond the tree, bad lengths.
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_LENGTH) return undefined;
  if (!isSize(index) || !isSize(treeSize) || !isHashList(proof)) return undefined;
  // Step 1: the index must be inside the tree.
  if (index >= treeSize) return undefined;
  // Step 2: fn = leaf_index, sn = tree_size − 1. Step 3: r = hash.
  let fn = index;
  let sn = treeSize - 1;
  const r = leafHash.slice();
  // Step 4.
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      hashNodeInto(p, 0, r, 0, r, 0);
      // If LSB(fn) is not set, right-shift until it is or fn is 0: the levels where the node is
      // the last of its row and has no sibling.
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      hashNodeInto(r, 0, p, 0, r, 0);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 5: every level consumed.
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.3.2: whether `proof` proves leaf `leafHash` at `index` in the tree of `treeSize`
 * leaves whose root is `root`. Never throws; false on any malformed input.
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!(root instanceof Uint8Array)) return false;
  const computed = rootFromInclusionProof(leafHash, index, treeSize, proof);
  return computed !== undefined && equalHash(computed, root);
}

/**
 * RFC 9162 §2.1.4.2: whether `proof` proves that the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`. Never throws; false on malformed input.
 *
 * Outside the RFC's 0 < size1 < size2: equal sizes need an empty proof and equal roots; size1 = 0
 * needs an empty proof and root1 = SHA-256() (the empty tree is a prefix of every tree, but only
 * the empty tree's root is its root); size1 > size2 is never consistent.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSize(size1) || !isSize(size2) || !isHashList(proof)) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array)) return false;
  if (root1.length !== HASH_LENGTH || root2.length !== HASH_LENGTH) return false;
  if (size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equalHash(root1, root2);
  if (size1 === 0) return proof.length === 0 && equalHash(root1, EMPTY_ROOT);
  // Step 1: a non-trivial proof is never empty.
  if (proof.length === 0) return false;
  // Step 2: when size1 is a power of 2, its root is a node of the new tree and starts the path.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4: skip the levels where the old tree's last node is a right child.
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  // Step 5.
  const fr = path[0]!.slice();
  const sr = path[0]!.slice();
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hashNodeInto(c, 0, fr, 0, fr, 0);
      hashNodeInto(c, 0, sr, 0, sr, 0);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      hashNodeInto(sr, 0, c, 0, sr, 0);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  // Step 7.
  return equalHash(fr, root1) && equalHash(sr, root2) && sn === 0;
}

function isPowerOfTwo(n: number): boolean {
  let p = 1;
  while (p < n) p *= 2;
  return p === n;
}
