// Decoding one board message (DESIGN.md, issue 4): key = the 32 raw nullifier bytes, value = UTF-8
// JSON {"trackingCode", "ballot"}, the broker's LogAppendTime as receivedAt. The persister checks
// only that it decodes to a SPEC §6 board entry; whether the ballot is valid (proofs, tracking code
// = H(JCS(ballot)), election, district) is the observer's business (SPEC §10).
import { ContractError, parseBoardEntry } from '@hanpyo/contracts';
import type { BoardEntry } from '@hanpyo/contracts';

/** A message of the board topic as the consumer hands it over. */
export interface BoardMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** Milliseconds since the epoch, the broker's append time. */
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, Uint8Array | string | undefined>>;
}

/** Why a message is not a board entry; the dead-letter topic carries the code. */
export type DeadLetterReason = 'ENTRY_EMPTY' | 'ENTRY_NOT_JSON' | 'ENTRY_MALFORMED';

export type Decoded =
  | { readonly ok: true; readonly entry: BoardEntry }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const VALUE_KEYS = new Set(['trackingCode', 'ballot']);

/** Decodes a board message into a SPEC §6 entry, or says why it cannot. Never throws. */
export function decodeBoardMessage(message: BoardMessage): Decoded {
  if (message.value === null || message.value.length === 0) {
    return { ok: false, reason: 'ENTRY_EMPTY', detail: 'the message has no value' };
  }
  let text: string;
  try {
    text = utf8.decode(message.value);
  } catch {
    return { ok: false, reason: 'ENTRY_NOT_JSON', detail: 'the value is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8 quotes the input in its message; say where it broke, never what it held.
    const at = /at position (\d+)/.exec((e as Error).message)?.[1];
    return {
      ok: false,
      reason: 'ENTRY_NOT_JSON',
      detail: `the value is not JSON${at !== undefined ? ` (at position ${at})` : ''}`,
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'ENTRY_MALFORMED', detail: 'the value is not a JSON object' };
  }
  const extra = Object.keys(value).filter((k) => !VALUE_KEYS.has(k));
  if (extra.length > 0) {
    return {
      ok: false,
      reason: 'ENTRY_MALFORMED',
      detail: `unexpected members ${extra.slice(0, 5).join(', ')}`.slice(0, 200),
    };
  }
  const receivedAt = new Date(message.timestamp);
  if (Number.isNaN(receivedAt.getTime())) {
    return { ok: false, reason: 'ENTRY_MALFORMED', detail: 'the message has no valid timestamp' };
  }
  const { trackingCode, ballot } = value as { trackingCode?: unknown; ballot?: unknown };
  try {
    const entry = parseBoardEntry({
      partition: message.partition,
      offset: message.offset,
      receivedAt: receivedAt.toISOString(),
      trackingCode,
      ballot,
    });
    return { ok: true, entry };
  } catch (e) {
    if (!(e instanceof ContractError)) throw e;
    // Paths and zod messages only: never a value from the ballot.
    return {
      ok: false,
      reason: 'ENTRY_MALFORMED',
      detail: e.issues
        .slice(0, 5)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')
        .slice(0, 500),
    };
  }
}
