// The one Web platform global this pure lib uses; it exists in Node ≥ 20 and every browser.
// Declared here instead of pulling in lib.dom so nothing else of the DOM is reachable.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
