// `hanpyo verify`, the tally (SPEC §9, §10): the counted set's size per district, every aggregate
// against the counting core's sums, every partial decryption proof, every count.
import type { CeremonyRecord, Manifest, Tally } from '@hanpyo/contracts';
import { parseTally } from '@hanpyo/contracts';
import {
  IDENTITY,
  combinePartialDecryptions,
  group,
  pointFromText,
  pointToText,
  publicShare,
  scalarFromText,
  verifyPartialDecryption,
} from '@hanpyo/crypto';
import type { Point } from '@hanpyo/crypto';
import type { Aggregates } from '@hanpyo/counting';
import { UnreadableRecord } from '../failures.js';
import { RECORD_FILES } from '../record-io.js';
import type { Failures } from './collect.js';
import { contractFailures, readJson } from './io.js';

/** SPEC §9: counted set sizes, aggregates, every decryption proof, every count. */
export async function checkTally(
  dir: string,
  manifest: Manifest,
  ceremony: CeremonyRecord,
  Q: Uint8Array,
  aggregates: Aggregates,
  failures: Failures,
): Promise<void> {
  const file = RECORD_FILES.tally;
  let tally: Tally;
  try {
    tally = parseTally(await readJson(dir, file));
  } catch (e) {
    if (e instanceof UnreadableRecord) failures.add('TALLY_MISSING', { file }, e.message);
    else contractFailures(failures, 'TALLY_MALFORMED', file, e);
    return;
  }
  const g = group();
  const { count: n, threshold: t } = manifest.trustees;
  const used = tally.trusteesUsed;
  if (new Set(used).size !== used.length || used.length < t || used.some((i) => i < 1 || i > n)) {
    failures.add(
      'TALLY_TRUSTEES',
      { file, path: '$.trusteesUsed' },
      `need at least ${t} distinct trustees in 1..${n}`,
    );
    return;
  }
  const publicShares = new Map(used.map((i) => [i, publicShare(ceremony, i)]));
  const districts = new Map(manifest.districts.map((d) => [d.districtId, d]));
  const styles = new Map(manifest.ballotStyles.map((s) => [s.ballotStyleId, s]));
  const contests = new Map(manifest.contests.map((c) => [c.contestId, c]));
  const seen = new Set<string>();
  tally.districts.forEach((td, di) => {
    const district = districts.get(td.districtId);
    const dplace = { file, district: td.districtId, path: `$.districts[${di}]` };
    if (!district || seen.has(td.districtId)) {
      failures.add(
        'TALLY_DISTRICTS',
        dplace,
        district ? 'district listed twice' : 'unknown district',
      );
      return;
    }
    seen.add(td.districtId);
    const counted = aggregates.countedIn(td.districtId);
    if (td.counted !== counted)
      failures.add(
        'TALLY_COUNTED',
        dplace,
        `counted set has ${counted} ballots, the tally says ${td.counted}`,
      );
    const contestIds = styles.get(district.ballotStyleId)!.contestIds;
    if (
      td.contests.length !== contestIds.length ||
      td.contests.some((c, i) => c.contestId !== contestIds[i])
    ) {
      failures.add(
        'TALLY_STRUCTURE',
        dplace,
        `contests must be ${contestIds.join(', ')} in ballot-style order`,
      );
      return;
    }
    for (const tc of td.contests) {
      const options = contests.get(tc.contestId)!.options;
      if (
        tc.options.length !== options.length ||
        tc.options.some((o, i) => o.optionId !== options[i]!.optionId)
      ) {
        failures.add(
          'TALLY_STRUCTURE',
          { ...dplace, contest: tc.contestId },
          'options must be those of the manifest, in order',
        );
        continue;
      }
      for (const to of tc.options) {
        const place = { file, district: td.districtId, contest: tc.contestId, option: to.optionId };
        const [A, B] = aggregates.sum(td.districtId, tc.contestId, to.optionId);
        if (to.A !== pointToText(A) || to.B !== pointToText(B)) {
          failures.add('TALLY_AGGREGATE', place, 'A or B is not the sum over the counted ballots');
          continue;
        }
        const trustees = to.shares.map((s) => s.trustee);
        if (trustees.length !== used.length || used.some((i) => !trustees.includes(i))) {
          failures.add(
            'TALLY_SHARES',
            place,
            `shares must come from exactly trustees ${used.join(',')}`,
          );
          continue;
        }
        let sharesValid = true;
        const parsed: { trustee: number; D: Point }[] = [];
        for (const s of to.shares) {
          try {
            const share = {
              trustee: s.trustee,
              D: pointFromText(s.D, { allowIdentity: true }),
              c: scalarFromText(s.c),
              z: scalarFromText(s.z),
            };
            if (!verifyPartialDecryption(Q, publicShares.get(s.trustee)!, A, share)) {
              failures.add(
                'DECRYPTION_PROOF_INVALID',
                { ...place, trustee: s.trustee },
                'partial decryption proof does not verify',
              );
              sharesValid = false;
            }
            parsed.push(share);
          } catch (e) {
            failures.add(
              'DECRYPTION_SHARE_MALFORMED',
              { ...place, trustee: s.trustee },
              (e as Error).message,
            );
            sharesValid = false;
          }
        }
        if (!sharesValid) continue;
        // SPEC §9: B − Σ λ_i·D_i = count·G with count ∈ [0, registeredVoters].
        const M = combinePartialDecryptions(B, parsed);
        const expected = to.count === 0 ? IDENTITY : g.mulBase(BigInt(to.count));
        if (to.count > district.registeredVoters || pointToText(M) !== pointToText(expected)) {
          failures.add(
            'TALLY_COUNT_MISMATCH',
            place,
            `the decryption does not equal count ${to.count}`,
          );
        }
      }
    }
  });
  for (const d of manifest.districts) {
    if (!seen.has(d.districtId))
      failures.add(
        'TALLY_DISTRICTS',
        { file, district: d.districtId },
        'district missing from the tally',
      );
  }
}
