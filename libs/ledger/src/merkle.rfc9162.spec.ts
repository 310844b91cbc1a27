// RFC 9162 §2.1 (= RFC 6962 §2.1) Merkle trees: published vectors, then properties against a
// from-scratch recursive reference written here from the RFC's definitions.
//
// Vectors: the 8-leaf test tree of Google's certificate-transparency C++ merkle_tree_test.cc, as
// carried forward in github.com/transparency-dev/merkle:
//   testonly/constants.go     @582a6ad190b6848f1d26f8bf08ddef29955d9db1  leaves, node hashes, roots
//   testonly/reference_test.go@141d627eab770a7e9a2514f46a8b6338e6d90874  inclusion, consistency
//   proof/verify_test.go      @02194e9afb6c1d95b5381350007963aa70fff472  inclusion, consistency,
//                                                                         corrupted-proof probes
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '@hanpyo/crypto';
import {
  MerkleFrontier,
  MerkleLog,
  emptyRoot,
  leafHash,
  merkleRoot,
  nodeHash,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
import { hashLeaf32Into, hashNodeInto } from './sha256.js';

// ---------------------------------------------------------------------------------------------
// Reference implementation: RFC 9162 §2.1.1, §2.1.3.1, §2.1.4.1 as written, recursive, hashing
// with @noble/hashes directly (not the specialised SHA-256 under test).

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const refLeaf = (d: Uint8Array) => sha256(concat(Uint8Array.of(0), d));
const refNode = (l: Uint8Array, r: Uint8Array) => sha256(concat(Uint8Array.of(1), l, r));
/** k: the largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
function refMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return refLeaf(d[0]!);
  const k = split(d.length);
  return refNode(refMth(d.slice(0, k)), refMth(d.slice(k)));
}
function refPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))];
}
function refSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [refMth(d)];
  const k = split(n);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), refMth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), refMth(d.slice(0, k))];
}
const refProof = (m: number, d: readonly Uint8Array[]) =>
  m === 0 || m === d.length ? [] : refSubproof(m, d, true);

/** The side of each sibling on PATH(m, D[n]), leaf first: what an inclusion proof's shape is. */
function pathSides(m: number, n: number): string {
  if (n <= 1) return '';
  const k = split(n);
  return m < k ? pathSides(m, k) + 'R' : pathSides(m - k, n - k) + 'L';
}
/**
 * The shape of PROOF(m, D[n]): whether the old root starts the path (m a power of two), then per
 * element whether it is a left subtree of both trees ('L') or a right subtree of the new one only
 * ('R'). RFC 9162's verifier accepts a proof exactly when the claimed sizes have its shape: the
 * sizes are bound by the signed (size, root) pair, not by the proof.
 */
function consistencyShape(m: number, n: number): string {
  function sub(m: number, n: number, b: boolean): string {
    if (m === n) return b ? 'root1' : 'node';
    const k = split(n);
    return m <= k ? sub(m, k, b) + 'R' : sub(m - k, n - k, false) + 'L';
  }
  return sub(m, n, true);
}

// Deterministic pseudo-random leaves (xorshift32): a third are 32 bytes (the tracking-code path),
// the rest of varied length (the generic path), none equal.
function makeLeaves(count: number, seed = 0x2545f491): Uint8Array[] {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  return Array.from({ length: count }, (_, i) => {
    const len = i % 3 === 0 ? 32 : next() % 48;
    const d = new Uint8Array(len + 4);
    new DataView(d.buffer).setUint32(0, i); // distinct leaves
    for (let j = 4; j < d.length; j++) d[j] = next() & 0xff;
    return d;
  });
}

function flipBit(h: Uint8Array, bit = 3): Uint8Array {
  const c = h.slice();
  c[0] = c[0]! ^ (1 << bit);
  return c;
}

const hex = (h: Uint8Array) => toHex(h);
const hexes = (hs: readonly Uint8Array[]) => hs.map(hex);

// ---------------------------------------------------------------------------------------------

describe('fixed-shape SHA-256 (hot path) against @noble/hashes', () => {
  it('hashLeaf32Into equals SHA-256(0x00 ‖ d) on random 32-byte data and offsets', () => {
    const buf = new Uint8Array(200);
    for (let trial = 0; trial < 500; trial++) {
      for (let i = 0; i < buf.length; i++)
        buf[i] = (trial * 131 + i * 17 + (i >> 3) * trial) & 0xff;
      const off = trial % 50;
      const out = new Uint8Array(64);
      hashLeaf32Into(buf, off, out, 7);
      assert.equal(hex(out.subarray(7, 39)), hex(refLeaf(buf.subarray(off, off + 32))));
    }
  });

  it('hashNodeInto equals SHA-256(0x01 ‖ l ‖ r), also when the output aliases an input', () => {
    const leaves = makeLeaves(400).map(refLeaf);
    for (let i = 0; i + 1 < leaves.length; i++) {
      const l = leaves[i]!;
      const r = leaves[i + 1]!;
      const want = hex(refNode(l, r));
      const out = new Uint8Array(32);
      hashNodeInto(l, 0, r, 0, out, 0);
      assert.equal(hex(out), want);
      const inPlace = r.slice();
      hashNodeInto(l, 0, inPlace, 0, inPlace, 0);
      assert.equal(hex(inPlace), want);
      const window = concat(new Uint8Array(5), l, r);
      hashNodeInto(window, 5, window, 37, window, 5);
      assert.equal(hex(window.subarray(5, 37)), want);
    }
  });
});

describe('RFC 6962 / certificate-transparency reference vectors', () => {
  const leaves = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ].map((h) => fromHex(h));
  // testonly/constants.go NodeHashes(): [level][index].
  const nodes = [
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
      '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
    ],
    [
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    ],
    [
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
    ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
  ];
  // testonly/constants.go RootHashes(): by tree size 0..8.
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];
  // reference_test.go TestRefInclusionProof and verify_test.go inclusionProofs (1-based there,
  // 0-based here), deduplicated.
  const inclusion: { index: number; size: number; proof: string[] }[] = [
    { index: 0, size: 1, proof: [] },
    { index: 0, size: 2, proof: [nodes[0]![1]!] },
    { index: 1, size: 2, proof: [nodes[0]![0]!] },
    { index: 2, size: 3, proof: [nodes[1]![0]!] },
    { index: 1, size: 5, proof: [nodes[0]![0]!, nodes[1]![1]!, nodes[0]![4]!] },
    { index: 0, size: 8, proof: [nodes[0]![1]!, nodes[1]![1]!, nodes[2]![1]!] },
    { index: 5, size: 8, proof: [nodes[0]![4]!, nodes[1]![3]!, nodes[2]![0]!] },
  ];
  // Spelled out as in the sources, and checked against the node table above.
  const inclusionLiteral: { index: number; size: number; proof: string[] }[] = [
    {
      index: 0,
      size: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      index: 5,
      size: 8,
      proof: [
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    {
      index: 2,
      size: 3,
      proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
    },
    {
      index: 1,
      size: 5,
      proof: [
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
  ];
  // reference_test.go TestRefConsistencyProof and verify_test.go consistencyProofs.
  const consistency: { size1: number; size2: number; proof: string[] }[] = [
    { size1: 1, size2: 1, proof: [] },
    {
      size1: 1,
      size2: 8,
      proof: [
        '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
      ],
    },
    {
      size1: 6,
      size2: 8,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
    {
      size1: 2,
      size2: 5,
      proof: [
        '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
        'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      ],
    },
    {
      size1: 6,
      size2: 7,
      proof: [
        '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
        'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
        'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      ],
    },
  ];

  const log = new MerkleLog();
  for (const d of leaves) log.append(d);

  it('leaf and node hashes of the complete subtrees', () => {
    assert.deepEqual(
      leaves.map((d) => hex(leafHash(d))),
      nodes[0],
    );
    for (let level = 1; level < nodes.length; level++) {
      nodes[level]!.forEach((want, i) => {
        const l = fromHex(nodes[level - 1]![2 * i]!);
        const r = fromHex(nodes[level - 1]![2 * i + 1]!);
        assert.equal(hex(nodeHash(l, r)), want, `level ${level} node ${i}`);
      });
    }
  });

  it('roots of the trees of sizes 0..8, incremental and historical', () => {
    const growing = new MerkleLog();
    const frontier = new MerkleFrontier();
    assert.equal(hex(growing.root()), roots[0]);
    assert.equal(hex(frontier.root()), roots[0]);
    assert.equal(hex(emptyRoot()), roots[0]);
    leaves.forEach((d, i) => {
      growing.append(d);
      frontier.append(d);
      assert.equal(hex(growing.root()), roots[i + 1], `log size ${i + 1}`);
      assert.equal(hex(frontier.root()), roots[i + 1], `frontier size ${i + 1}`);
    });
    roots.forEach((want, size) => assert.equal(hex(log.root(size)), want, `root(${size})`));
    assert.equal(hex(merkleRoot(leaves.map(leafHash))), roots[8]);
  });

  it('inclusion proofs: generated exactly, and verified', () => {
    for (const tc of [...inclusion, ...inclusionLiteral]) {
      assert.deepEqual(
        hexes(log.inclusionProof(tc.index, tc.size)),
        tc.proof,
        `${tc.index}:${tc.size}`,
      );
      const ok = verifyInclusion(
        leafHash(leaves[tc.index]!),
        tc.index,
        tc.size,
        tc.proof.map((h) => fromHex(h)),
        fromHex(roots[tc.size]!),
      );
      assert.equal(ok, true, `${tc.index}:${tc.size}`);
    }
  });

  it('consistency proofs: generated exactly, and verified', () => {
    for (const tc of consistency) {
      assert.deepEqual(
        hexes(log.consistencyProof(tc.size1, tc.size2)),
        tc.proof,
        `${tc.size1}:${tc.size2}`,
      );
      const ok = verifyConsistency(
        tc.size1,
        tc.size2,
        fromHex(roots[tc.size1]!),
        fromHex(roots[tc.size2]!),
        tc.proof.map((h) => fromHex(h)),
      );
      assert.equal(ok, true, `${tc.size1}:${tc.size2}`);
    }
  });

  // verify_test.go corruptInclusionProof: every probe must be rejected.
  it('inclusion: corrupted probes of verify_test.go are rejected', () => {
    const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    const empty = fromHex(roots[0]!);
    for (const tc of inclusion.filter((t) => t.size > 1)) {
      const leaf = leafHash(leaves[tc.index]!);
      const root = fromHex(roots[tc.size]!);
      const proof = tc.proof.map((h) => fromHex(h));
      const probes: [string, Uint8Array, number, number, Uint8Array[], Uint8Array][] = [
        ['index - 1', leaf, tc.index - 1, tc.size, proof, root],
        ['index + 1', leaf, tc.index + 1, tc.size, proof, root],
        ['index ^ 2', leaf, tc.index ^ 2, tc.size, proof, root],
        ['size * 2', leaf, tc.index, tc.size * 2, proof, root],
        ['size / 2', leaf, tc.index, Math.floor(tc.size / 2), proof, root],
        ['wrong leaf', new TextEncoder().encode('WrongLeaf'), tc.index, tc.size, proof, root],
        ['empty root', leaf, tc.index, tc.size, proof, empty],
        ['random root', leaf, tc.index, tc.size, proof, someHash],
        ['trailing garbage', leaf, tc.index, tc.size, [...proof, new Uint8Array(0)], root],
        ['trailing root', leaf, tc.index, tc.size, [...proof, root], root],
        ['preceding garbage', leaf, tc.index, tc.size, [new Uint8Array(0), ...proof], root],
        ['preceding root', leaf, tc.index, tc.size, [root, ...proof], root],
        ['removed component', leaf, tc.index, tc.size, proof.slice(0, -1), root],
      ];
      if (proof.length > 1) {
        probes.push([
          'inserted component',
          leaf,
          tc.index,
          tc.size,
          [proof[0]!, someHash, ...proof.slice(1)],
          root,
        ]);
      }
      proof.forEach((_, i) => {
        const bad = proof.slice();
        bad[i] = flipBit(bad[i]!);
        probes.push([`modified proof[${i}]`, leaf, tc.index, tc.size, bad, root]);
      });
      for (const [desc, l, index, size, p, r] of probes) {
        assert.equal(
          verifyInclusion(l, index, size, p, r),
          false,
          `${tc.index}:${tc.size} ${desc}`,
        );
      }
    }
  });

  // verify_test.go TestVerifyInclusion / TestVerifyInclusionSingleEntry edge cases.
  it('inclusion: degenerate trees and wrong lengths are rejected', () => {
    const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    const empty = fromHex(roots[0]!);
    for (const [index, size] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      assert.equal(verifyInclusion(someHash, index, size, [], new Uint8Array(0)), false);
      assert.equal(verifyInclusion(new Uint8Array(0), index, size, [], empty), false);
      assert.equal(verifyInclusion(someHash, index, size, [], empty), false);
    }
    const single = leafHash(new TextEncoder().encode('data'));
    assert.equal(verifyInclusion(single, 0, 1, [], single), true);
    assert.equal(verifyInclusion(single, 0, 1, [], new Uint8Array(0)), false);
    assert.equal(verifyInclusion(new Uint8Array(0), 0, 1, [], single), false);
  });

  // verify_test.go corruptConsistencyProof: every probe must be rejected.
  it('consistency: corrupted probes of verify_test.go are rejected', () => {
    const wrong = new TextEncoder().encode('WrongRoot');
    for (const tc of consistency.filter((t) => t.proof.length > 0)) {
      const r1 = fromHex(roots[tc.size1]!);
      const r2 = fromHex(roots[tc.size2]!);
      const p = tc.proof.map((h) => fromHex(h));
      const { size1: s1, size2: s2 } = tc;
      const probes: [string, number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        ['size1 - 1', s1 - 1, s2, r1, r2, p],
        ['size1 + 1', s1 + 1, s2, r1, r2, p],
        ['size1 ^ 2', s1 ^ 2, s2, r1, r2, p],
        ['size2 * 2', s1, s2 * 2, r1, r2, p],
        ['size2 / 2', s1, Math.floor(s2 / 2), r1, r2, p],
        ['wrong root1', s1, s2, wrong, r2, p],
        ['wrong root2', s1, s2, r1, wrong, p],
        ['swapped roots', s1, s2, r2, r1, p],
        ['empty proof', s1, s2, r1, r2, []],
        ['trailing garbage', s1, s2, r1, r2, [...p, new Uint8Array(0)]],
        ['trailing root1', s1, s2, r1, r2, [...p, r1]],
        ['trailing root2', s1, s2, r1, r2, [...p, r2]],
        ['preceding garbage', s1, s2, r1, r2, [new Uint8Array(0), ...p]],
        ['preceding root1', s1, s2, r1, r2, [r1, ...p]],
        ['preceding root2', s1, s2, r1, r2, [r2, ...p]],
        ['preceding proof[0]', s1, s2, r1, r2, [p[0]!, ...p]],
        ['truncated proof', s1, s2, r1, r2, p.slice(0, -1)],
      ];
      p.forEach((_, i) => {
        const bad = p.slice();
        bad[i] = flipBit(bad[i]!, 4);
        probes.push([`modified proof[${i}]`, s1, s2, r1, r2, bad]);
      });
      for (const [desc, a, b, x, y, q] of probes) {
        assert.equal(verifyConsistency(a, b, x, y, q), false, `${s1}:${s2} ${desc}`);
      }
    }
  });

  // verify_test.go TestVerifyConsistency edge cases (size 0 is stricter here: root1 must be the
  // empty tree's root, see verifyConsistency).
  it('consistency: trivial sizes', () => {
    const empty = fromHex(roots[0]!);
    const r1 = fromHex(roots[1]!);
    const r2 = fromHex(roots[2]!);
    assert.equal(verifyConsistency(0, 0, empty, empty, []), true);
    assert.equal(verifyConsistency(0, 0, empty, r1, []), false); // roots differ
    assert.equal(verifyConsistency(0, 5, empty, r2, []), true);
    assert.equal(verifyConsistency(0, 5, r1, r2, []), false); // not the empty root
    assert.equal(verifyConsistency(0, 1, empty, empty, [empty]), false); // proof not empty
    assert.equal(verifyConsistency(1, 1, r1, r1, []), true);
    assert.equal(verifyConsistency(1, 1, r1, r2, []), false);
    assert.equal(verifyConsistency(1, 1, empty, empty, [empty]), false);
    assert.equal(verifyConsistency(1, 0, r1, empty, []), false); // time travel
    assert.equal(verifyConsistency(2, 1, r2, r1, []), false);
    assert.equal(verifyConsistency(1, 2, r1, r2, []), false); // empty proof
  });

  it('rejects malformed input without throwing', () => {
    const r = fromHex(roots[8]!);
    const leaf = leafHash(leaves[0]!);
    const proof = log.inclusionProof(0, 8);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      assert.equal(verifyInclusion(leaf, bad, 8, proof, r), false);
      assert.equal(verifyInclusion(leaf, 0, bad, proof, r), false);
      assert.equal(verifyConsistency(bad, 8, r, r, []), false);
      assert.equal(verifyConsistency(1, bad, r, r, []), false);
    }
    const junk: unknown[] = [null, undefined, 'x', [1, 2], {}];
    for (const j of junk) {
      const hash = j as Uint8Array;
      const list = j as Uint8Array[];
      assert.equal(verifyInclusion(hash, 0, 8, proof, r), false);
      assert.equal(verifyInclusion(leaf, 0, 8, proof, hash), false);
      assert.equal(verifyInclusion(leaf, 0, 8, [hash], r), false);
      assert.equal(verifyInclusion(leaf, 0, 8, list, r), false);
      assert.equal(verifyConsistency(1, 8, hash, r, proof), false);
      assert.equal(verifyConsistency(1, 8, r, r, list), false);
    }
    assert.equal(rootFromInclusionProof(leaf, 0, 8, proof.slice(0, 2)), undefined);
    assert.equal(rootFromInclusionProof(leaf, 0, 8, [...proof, r]), undefined);
    assert.equal(hex(rootFromInclusionProof(leaf, 0, 8, proof)!), roots[8]);
  });

  it('throws a LedgerError for sizes beyond the log', () => {
    assert.throws(() => log.root(9), { name: 'LedgerError', code: 'SIZE_INVALID' });
    assert.throws(() => log.inclusionProof(8, 8), { code: 'SIZE_INVALID' });
    assert.throws(() => log.inclusionProof(0, 9), { code: 'SIZE_INVALID' });
    assert.throws(() => log.consistencyProof(5, 4), { code: 'SIZE_INVALID' });
    assert.throws(() => log.consistencyProof(1, 9), { code: 'SIZE_INVALID' });
    assert.throws(() => log.appendLeafHash(new Uint8Array(31)), { code: 'HASH_LENGTH' });
  });
});

describe('properties over sizes 0..70 against the recursive reference', () => {
  const MAX = 70;
  const leaves = makeLeaves(MAX);
  const leafHashes = leaves.map(refLeaf);
  // One log grown leaf by leaf; every historical size is then served from it.
  const log = new MerkleLog();
  const refRoots = Array.from({ length: MAX + 1 }, (_, n) => refMth(leaves.slice(0, n)));

  it('incremental roots equal MTH at every size, for MerkleLog, MerkleFrontier and merkleRoot', () => {
    const frontier = new MerkleFrontier();
    const byHash = new MerkleLog();
    assert.equal(hex(log.root()), hex(refRoots[0]!));
    for (let n = 1; n <= MAX; n++) {
      log.append(leaves[n - 1]!);
      frontier.append(leaves[n - 1]!);
      byHash.appendLeafHash(leafHashes[n - 1]!);
      const want = hex(refRoots[n]!);
      assert.equal(hex(log.root()), want, `log ${n}`);
      assert.equal(hex(frontier.root()), want, `frontier ${n}`);
      assert.equal(hex(byHash.root()), want, `by leaf hash ${n}`);
      assert.equal(hex(merkleRoot(leafHashes.slice(0, n))), want, `merkleRoot ${n}`);
    }
    for (let n = 0; n <= MAX; n++) assert.equal(hex(log.root(n)), hex(refRoots[n]!), `root(${n})`);
    const rebuilt = MerkleLog.fromLeafHashes(leafHashes);
    assert.equal(hex(rebuilt.root()), hex(refRoots[MAX]!));
    assert.deepEqual(
      hexes(Array.from({ length: MAX }, (_, i) => rebuilt.leafHashAt(i))),
      hexes(leafHashes),
    );
  });

  it('every leaf of every size: proof equals PATH, verifies, and fails when anything changes', () => {
    let checked = 0;
    for (let size = 1; size <= MAX; size++) {
      const root = refRoots[size]!;
      for (let index = 0; index < size; index++) {
        const proof = log.inclusionProof(index, size);
        assert.deepEqual(
          hexes(proof),
          hexes(refPath(index, leaves.slice(0, size))),
          `${index}:${size}`,
        );
        const leaf = leafHashes[index]!;
        assert.equal(verifyInclusion(leaf, index, size, proof, root), true, `${index}:${size}`);
        // Changed leaf or root.
        assert.equal(verifyInclusion(flipBit(leaf), index, size, proof, root), false);
        assert.equal(verifyInclusion(leaf, index, size, proof, flipBit(root)), false);
        // Changed index or size: accepted exactly when the claimed position has the same shape
        // (sibling sides), which for an index never happens and for a size happens only where
        // the tree of the other size looks the same from this leaf.
        const sides = pathSides(index, size);
        for (const other of [index - 1, index + 1, index ^ 2, index ^ 1]) {
          if (other === index) continue;
          const same = other >= 0 && other < size && pathSides(other, size) === sides;
          assert.equal(same, false);
          assert.equal(
            verifyInclusion(leaf, other, size, proof, root),
            false,
            `index ${other} for ${index}:${size}`,
          );
        }
        for (const other of [size - 1, size + 1, size * 2, Math.floor(size / 2)]) {
          if (other === size) continue;
          const same = index < other && pathSides(index, other) === sides;
          assert.equal(
            verifyInclusion(leaf, index, other, proof, root),
            same,
            `size ${other} for ${index}:${size}`,
          );
        }
        // Changed, missing, extra proof elements.
        proof.forEach((_, i) => {
          const bad = proof.slice();
          bad[i] = flipBit(bad[i]!);
          assert.equal(verifyInclusion(leaf, index, size, bad, root), false);
        });
        if (proof.length > 0)
          assert.equal(verifyInclusion(leaf, index, size, proof.slice(1), root), false);
        if (proof.length > 0)
          assert.equal(verifyInclusion(leaf, index, size, proof.slice(0, -1), root), false);
        assert.equal(verifyInclusion(leaf, index, size, [...proof, leaf], root), false);
        assert.equal(verifyInclusion(leaf, index, size, [leaf, ...proof], root), false);
        checked++;
      }
    }
    assert.equal(checked, (MAX * (MAX + 1)) / 2);
  });

  it('every pair 1 ≤ m ≤ n ≤ 70: proof equals PROOF, verifies, and fails when anything changes', () => {
    let checked = 0;
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const r1 = refRoots[m]!;
        const r2 = refRoots[n]!;
        const proof = log.consistencyProof(m, n);
        assert.deepEqual(hexes(proof), hexes(refProof(m, leaves.slice(0, n))), `${m}:${n}`);
        assert.equal(verifyConsistency(m, n, r1, r2, proof), true, `${m}:${n}`);
        assert.equal(verifyConsistency(m, n, flipBit(r1), r2, proof), false);
        assert.equal(verifyConsistency(m, n, r1, flipBit(r2), proof), false);
        if (m === n) {
          assert.equal(verifyConsistency(m, n, r1, r2, [r1]), false);
          checked++;
          continue;
        }
        assert.equal(verifyConsistency(m, n, r2, r1, proof), false, 'swapped roots');
        assert.equal(verifyConsistency(m, n, r1, r2, []), false, 'empty proof');
        // Changed sizes: accepted exactly when the other sizes give the proof the same shape.
        const shape = consistencyShape(m, n);
        for (const [a, b] of [
          [m - 1, n],
          [m + 1, n],
          [m, n + 1],
          [m, n - 1],
          [m, n * 2],
          [m ^ 2, n],
        ] as const) {
          if (a === m && b === n) continue;
          const same = a > 0 && a < b && consistencyShape(a, b) === shape;
          assert.equal(
            verifyConsistency(a, b, r1, r2, proof),
            same,
            `sizes ${a}:${b} for ${m}:${n}`,
          );
        }
        proof.forEach((_, i) => {
          const bad = proof.slice();
          bad[i] = flipBit(bad[i]!, 4);
          assert.equal(verifyConsistency(m, n, r1, r2, bad), false, `${m}:${n} element ${i}`);
        });
        assert.equal(verifyConsistency(m, n, r1, r2, proof.slice(0, -1)), false);
        assert.equal(verifyConsistency(m, n, r1, r2, proof.slice(1)), false);
        assert.equal(verifyConsistency(m, n, r1, r2, [...proof, r1]), false);
        assert.equal(verifyConsistency(m, n, r1, r2, [...proof, r2]), false);
        assert.equal(verifyConsistency(m, n, r1, r2, [r1, ...proof]), false);
        assert.equal(verifyConsistency(m, n, r1, r2, [proof[0]!, ...proof]), false);
        checked++;
      }
    }
    assert.equal(checked, (MAX * (MAX + 1)) / 2);
  });

  it('inclusion and consistency proofs agree with each other across the log', () => {
    // A leaf proved in the old tree is still proved in the new one after a consistency check.
    for (const [m, n] of [
      [3, 70],
      [32, 64],
      [33, 65],
      [64, 70],
    ] as const) {
      assert.equal(
        verifyConsistency(m, n, log.root(m), log.root(n), log.consistencyProof(m, n)),
        true,
      );
      for (let i = 0; i < m; i++) {
        assert.equal(
          verifyInclusion(leafHashes[i]!, i, n, log.inclusionProof(i, n), log.root(n)),
          true,
        );
      }
    }
  });
});

describe('large logs cross storage chunks', () => {
  it('roots and proofs stay right past 2^15 and 2^16 leaves', () => {
    const n = 70_001;
    const log = new MerkleLog();
    const frontier = new MerkleFrontier();
    const code = new Uint8Array(32);
    const hashes: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      new DataView(code.buffer).setUint32(0, i);
      code[31] = i & 0xff;
      log.append(code);
      frontier.append(code);
      hashes.push(refLeaf(code));
    }
    for (const size of [32_767, 32_768, 32_769, 65_536, 65_537, n]) {
      assert.equal(hex(log.root(size)), hex(merkleRootRef(hashes.slice(0, size))), `root(${size})`);
    }
    assert.equal(hex(frontier.root()), hex(log.root()));
    for (const i of [0, 32_767, 32_768, 65_535, 65_536, n - 1]) {
      assert.equal(
        verifyInclusion(hashes[i]!, i, n, log.inclusionProof(i, n), log.root()),
        true,
        `leaf ${i}`,
      );
    }
    assert.equal(
      verifyConsistency(32_769, n, log.root(32_769), log.root(), log.consistencyProof(32_769)),
      true,
    );
  });
});

/** MTH over leaf hashes with the reference node hash, splitting ranges (no array copies). */
function merkleRootRef(hashes: readonly Uint8Array[]): Uint8Array {
  function mth(lo: number, hi: number): Uint8Array {
    if (hi - lo === 1) return hashes[lo]!;
    const k = split(hi - lo);
    return refNode(mth(lo, lo + k), mth(lo + k, hi));
  }
  return hashes.length === 0 ? sha256(new Uint8Array(0)) : mth(0, hashes.length);
}
