// SPEC §3 ceremony record, §8 blocks and their signatures, §10 tally.
import { z } from 'zod';
import { b64u32, b64u64, count, hex32, identifier, instant } from './primitives.js';
import { parseWith } from './validation.js';

const schnorr = z.object({ c: b64u32, z: b64u32 }).strict();

export const ceremonySchema = z
  .object({
    trustees: z
      .array(
        z
          .object({
            index: z.number().int().min(1),
            commitments: z.array(b64u32).min(1),
            proofs: z.array(schnorr).min(1),
          })
          .strict()
          .refine((t) => t.commitments.length === t.proofs.length, 'one proof per commitment'),
      )
      .min(1),
    jointPublicKey: b64u32,
  })
  .strict();
export type CeremonyRecord = z.infer<typeof ceremonySchema>;

/** Validates a ceremony record's shape (SPEC §10 `ceremony.json`). */
export function parseCeremony(value: unknown): CeremonyRecord {
  return parseWith(ceremonySchema, value, 'ceremony');
}

export const blockSchema = z
  .object({
    spec: z.literal('hanpyo/1'),
    electionId: identifier,
    height: z.number().int().min(1),
    prevBlockHash: hex32,
    closedAt: instant,
    final: z.boolean(),
    cuts: z.array(z.object({ partition: count, fromOffset: count, toOffset: count }).strict()),
    districts: z.array(z.object({ districtId: identifier, treeSize: count, root: hex32 }).strict()),
    ballotCount: count,
  })
  .strict();
export type Block = z.infer<typeof blockSchema>;
export type Cut = Block['cuts'][number];
export type DistrictHead = Block['districts'][number];

export const blockSignaturesSchema = z
  .object({
    height: z.number().int().min(1),
    blockHash: hex32,
    signatures: z.array(z.object({ keyId: identifier, signature: b64u64 }).strict()),
  })
  .strict();
export type BlockSignatures = z.infer<typeof blockSignaturesSchema>;

export const signedBlockSchema = z
  .object({ block: blockSchema, signatures: blockSignaturesSchema })
  .strict();
export type SignedBlock = z.infer<typeof signedBlockSchema>;

/** Validates one `{block, signatures}` (SPEC §8, a line of `blocks.ndjson`). */
/** A block as the ledger stores it (its signatures apart), validated. */
export function parseBlock(value: unknown): Block {
  return parseWith(blockSchema, value, 'block');
}

export function parseSignedBlock(value: unknown): SignedBlock {
  return parseWith(signedBlockSchema, value, 'block');
}

const decryptionShare = z
  .object({ trustee: z.number().int().min(1), D: b64u32, c: b64u32, z: b64u32 })
  .strict();
export type DecryptionShare = z.infer<typeof decryptionShare>;

export const tallySchema = z
  .object({
    trusteesUsed: z.array(z.number().int().min(1)).min(1),
    districts: z.array(
      z
        .object({
          districtId: identifier,
          counted: count,
          contests: z.array(
            z
              .object({
                contestId: identifier,
                options: z.array(
                  z
                    .object({
                      optionId: identifier,
                      A: b64u32,
                      B: b64u32,
                      shares: z.array(decryptionShare),
                      count,
                    })
                    .strict(),
                ),
              })
              .strict(),
          ),
        })
        .strict(),
    ),
  })
  .strict();
export type Tally = z.infer<typeof tallySchema>;
export type TallyDistrict = Tally['districts'][number];
export type TallyOption = TallyDistrict['contests'][number]['options'][number];

/** Validates a tally's shape (SPEC §10 `tally.json`). */
export function parseTally(value: unknown): Tally {
  return parseWith(tallySchema, value, 'tally');
}
