// Ed25519 verification by the native addon (native/hanpyo_vartime.c hv_ed25519_verify, over
// libsodium's vendored ref10 arithmetic) instead of noble's BigInt code (~3.4 ms per verification on
// the 2-core machine, 2026-12-02) or OpenSSL's (~170 µs through node:crypto, and cofactorless,
// which is not @hanpyo/crypto's rule: see verifySignature and docs/spec-notes.md). Every ballot costs
// two (its token and its cast signature) in the edge, the observer, the registrar's judge, the tally
// and `hanpyo verify`. Signatures, keys and messages are public, so variable time is no concern.
//
// The cases below are the rule's edge cases, each with noble's verdict; the addon is installed only
// after it gives every one of them (verifyAgreesWithCases), and signature-cases.spec.ts checks the
// verdicts against noble itself and the two implementations against each other on random input.
import { fromHex } from '@hanpyo/crypto';

/** A verification input and @noble/curves' strict verdict on it. */
export interface SignatureCase {
  readonly name: string;
  /** The RFC 8032 secret key (seed), where the case is a test vector of the RFC. */
  readonly seed?: string;
  readonly publicKey: string;
  /** Hex, or `{length}`: that many bytes, byte i = i mod 256. */
  readonly message: string | { readonly length: number };
  readonly signature: string;
  readonly valid: boolean;
}

/** RFC 8032 §7.1 TEST 1–3, then the rule's edge cases (honest key a·B, nonce r·B unless said). */
export const SIGNATURE_CASES: readonly SignatureCase[] = [
  {
    name: 'RFC 8032 §7.1 TEST 1',
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    valid: true,
  },
  {
    name: 'RFC 8032 §7.1 TEST 2',
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    valid: true,
  },
  {
    name: 'RFC 8032 §7.1 TEST 3',
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
    valid: true,
  },
  {
    name: 'an honest signature',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '54fd523e908180a3b5cf57326c8a3ec38c289d186e234c8ec0fad2b7d003a204',
    valid: true,
  },
  {
    name: 'S + ℓ (not canonical)',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '41d1489baae492fb8b6c4fd54a841dd88c289d186e234c8ec0fad2b7d003a214',
    valid: false,
  },
  {
    name: 'one bit of S flipped',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '54fd523e908180a3b4cf57326c8a3ec38c289d186e234c8ec0fad2b7d003a204',
    valid: false,
  },
  {
    name: 'another message',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '616e6f74686572',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '54fd523e908180a3b5cf57326c8a3ec38c289d186e234c8ec0fad2b7d003a204',
    valid: false,
  },
  {
    name: 'S = ℓ',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      'edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010',
    valid: false,
  },
  {
    name: 'A of mixed order, honest signing (only the cofactored equation holds)',
    publicKey: '99555efe5dbf5b50b6fb4d8c38ee05c4ea8a97011c08e11366e8c8c00e8ce5d5',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '4aebd54f55d00463c023b23bfbaf62a4cbba3afe74ecbbdeb0c6cefa4d43ae0f',
    valid: true,
  },
  {
    name: 'R with a torsion component (only the cofactored equation holds)',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '5b61c2e3b93e6c06450f327ea72cdfeb8cde6aa020d2dd827ab3f86e708c8393' +
      'e5ce9c31f9242c1c2784292030a1262b6d977100724f59b26552e191f6ed5c03',
    valid: true,
  },
  {
    name: 'R = the identity, S = k·a',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '0100000000000000000000000000000000000000000000000000000000000000' +
      'd09eb2debca43aa01995c9c5e625b93cfb58bc5a41b3009991dd2e55f85f7306',
    valid: true,
  },
  {
    name: 'R = the identity spelled y = p + 1 (not canonical)',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f' +
      '9d14264c1d4592367f18095625a2b5cad9607e03af3c75159c58903ffc65d20c',
    valid: false,
  },
  {
    name: 'R = the identity with the sign bit set (x = 0)',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '0100000000000000000000000000000000000000000000000000000000000080' +
      'd52753e90a11d7c1dc04bfe64f734d9d772815eaa2adae575964fa4a5d084605',
    valid: false,
  },
  {
    name: 'R = the identity, S = 0',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '0100000000000000000000000000000000000000000000000000000000000000' +
      '0000000000000000000000000000000000000000000000000000000000000000',
    valid: false,
  },
  {
    name: 'R not on the curve (y = 2)',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '0200000000000000000000000000000000000000000000000000000000000000' +
      '0100000000000000000000000000000000000000000000000000000000000000',
    valid: false,
  },
  {
    name: 'A = the identity, R = S·B (a forgery for any message)',
    publicKey: '0100000000000000000000000000000000000000000000000000000000000000',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      'ef4f62f8479733ad879cfaced3c89a9c39dd4fc795ef2efa1c3eafe4d729a081' +
      '3930000000000000000000000000000000000000000000000000000000000000',
    valid: false,
  },
  {
    name: 'A of order 8',
    publicKey: 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      'd07b3f636ea4e1caa0becf4c6af098abd8f4c89690c90e4935a2b564b30b779f' +
      '0903000000000000000000000000000000000000000000000000000000000000',
    valid: false,
  },
  {
    name: 'A spelled y = p + 3 (not canonical)',
    publicKey: 'f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    message: '68616e70796f207369676e61747572652063617365',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '0500000000000000000000000000000000000000000000000000000000000000',
    valid: false,
  },
  {
    name: 'a 3000-byte message',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: { length: 3000 },
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '619e8c7adc0c726fa4e078e69e5f4071511766c0ecd310198049ef612b612c0b',
    valid: true,
  },
  {
    name: 'the empty message',
    publicKey: '88aa55e6afeed8960a3191de78600347db8acd0a3795412f275f049b86260488',
    message: '',
    signature:
      '3e54c441927f9f0ee5e13e34f0b0404c5043651a8f4b7ef087a1c42262a85d0a' +
      '78ecf6eaee95b607f963c43ab5a6733464a2b4bd8d8b5f99884a0776f693c90d',
    valid: true,
  },
];

/** A case's bytes. */
export function caseBytes(c: SignatureCase): {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
} {
  const message =
    typeof c.message === 'string'
      ? fromHex(c.message)
      : Uint8Array.from({ length: c.message.length }, (_, i) => i & 255);
  return { publicKey: fromHex(c.publicKey, 32), message, signature: fromHex(c.signature, 64) };
}

/** True iff `verify` gives each case's verdict (a self-check before an implementation is used). */
export function verifyAgreesWithCases(
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): boolean {
  return SIGNATURE_CASES.every((c) => {
    const { publicKey, message, signature } = caseBytes(c);
    return verify(publicKey, message, signature) === c.valid;
  });
}
