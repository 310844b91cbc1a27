// The few Web platform globals the pure libs use; they exist in Node ≥ 20 and every browser.
// Declared here instead of pulling in lib.dom so nothing else of the DOM is reachable.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
// eslint-disable-next-line no-var -- a global declaration must be `var`
declare var crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
