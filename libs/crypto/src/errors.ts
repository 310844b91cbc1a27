/** Stable codes of every failure the protocol core reports (docs/errors.md lists them). */
export type CryptoErrorCode =
  | 'BASE64URL_INVALID'
  | 'HEX_INVALID'
  | 'LENGTH_INVALID'
  | 'POINT_INVALID'
  | 'POINT_IDENTITY'
  | 'SCALAR_NONCANONICAL'
  | 'JCS_INVALID'
  | 'INTEGER_INVALID'
  | 'PROOF_INVALID'
  | 'SHARE_INVALID'
  | 'DLOG_NOT_FOUND'
  | 'PARAMETER_INVALID'
  | 'SIGNATURE_INVALID'
  | 'SELECTION_INVALID'
  | 'BALLOT_INVALID'
  | 'TOKEN_INVALID';

/** A typed, coded error; its message never contains secret material. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
