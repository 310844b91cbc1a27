// What `hanpyo verify` collects while it reads a record: failures (the record is invalid) and
// refused entries (SPEC §6: on the board, never counted, reported but no failure), each listed up
// to a bound per code and counted beyond it.
import type { Failure, Place } from '../failures.js';

/** At most this many failures or refused entries of one code are listed; the rest are counted. */
export const MAX_LISTED = 1000;

/** One board entry that will never be counted, with its place and the rule it failed. */
export interface RefusedEntry {
  readonly place: Place;
  /** The first rule it fails: `tracking-code`, `token`, `cast-signature`, `window` or `ballot`. */
  readonly rule: string;
  /** That refusal's stable code (docs/errors.md). */
  readonly code: string;
  /** Every rule it fails, with why. */
  readonly message: string;
}

/** Collects failures, listing at most MAX_LISTED per code. */
export class Failures {
  readonly list: Failure[] = [];
  readonly unlisted: Record<string, number> = {};
  private readonly perCode = new Map<string, number>();

  add(code: string, place: Place, message: string): void {
    if (this.listed(code)) this.list.push({ code, place, message });
    else this.unlisted[code] = (this.unlisted[code] ?? 0) + 1;
  }

  get count(): number {
    let n = 0;
    for (const v of this.perCode.values()) n += v;
    return n;
  }

  private listed(code: string): boolean {
    const n = (this.perCode.get(code) ?? 0) + 1;
    this.perCode.set(code, n);
    return n <= MAX_LISTED;
  }
}

/** Collects refused entries, listing at most MAX_LISTED per rule. */
export class RefusedEntries {
  readonly list: RefusedEntry[] = [];
  readonly unlisted: Record<string, number> = {};
  readonly byRule: Record<string, number> = {};
  total = 0;

  add(entry: RefusedEntry): void {
    this.total++;
    const n = (this.byRule[entry.rule] ?? 0) + 1;
    this.byRule[entry.rule] = n;
    if (n <= MAX_LISTED) this.list.push(entry);
    else this.unlisted[entry.rule] = (this.unlisted[entry.rule] ?? 0) + 1;
  }
}
