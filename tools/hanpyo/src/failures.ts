// What `hanpyo verify` reports: every failure with its place (STYLE.md §8: invalid vs unparseable).

/** Where a failure is: any of the record's coordinates that apply. */
export interface Place {
  file?: string;
  line?: number;
  ballot?: number;
  height?: number;
  partition?: number;
  district?: string;
  contest?: string;
  option?: string;
  trustee?: number;
  path?: string;
}

/** One failure of the record. `code` is stable (docs/errors.md). */
export interface Failure {
  readonly code: string;
  readonly place: Place;
  readonly message: string;
}

/** Renders a place as `ballots.ndjson:12 district d-001 contest mayor`. */
export function formatPlace(p: Place): string {
  const parts: string[] = [];
  if (p.file) parts.push(p.line !== undefined ? `${p.file}:${p.line}` : p.file);
  if (p.ballot !== undefined) parts.push(`ballot #${p.ballot}`);
  if (p.height !== undefined) parts.push(`block ${p.height}`);
  if (p.partition !== undefined) parts.push(`partition ${p.partition}`);
  if (p.district !== undefined) parts.push(`district ${p.district}`);
  if (p.contest !== undefined) parts.push(`contest ${p.contest}`);
  if (p.option !== undefined) parts.push(`option ${p.option}`);
  if (p.trustee !== undefined) parts.push(`trustee ${p.trustee}`);
  if (p.path !== undefined) parts.push(p.path);
  return parts.join(' ');
}

/** Thrown when the record cannot be read at all (exit status 2). */
export class UnreadableRecord extends Error {
  override readonly name = 'UnreadableRecord';
}
