// A message of the board topic as the persister's consumer hands it over. Decoding it into a SPEC §6
// entry is @hanpyo/contracts' `decodeBoardMessage`, the one rule every reader of the board uses.

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
