// Decisions about one ballot (SPEC §4–§7, revision 2). A cast is `{ballot, castSignature}` with the
// voter's token as bearer: the token must verify for this election (SPEC §4, with its device key in
// `cnf`), the ballot must be the token's voter's and district's, the device key must have signed
// H("hanpyo/1/cast", electionId, trackingCode) — checked before any proof, being cheap — and every
// proof must verify. Only then does the entry (ballot, token and signature) go to the board with
// acks=all, and only if the broker's append time keeps it authorized (SPEC §6 rule 4 and the
// token's window) is the receipt signed. Edge mode is a first step apart (`encrypt`): the edge
// encrypts plaintext selections for the token's voter and returns the ballot, writing nothing; the
// device signs and casts it like any other. The rules are @hanpyo/counting's, the same the record
// is judged by. No selection, token or nonce is ever logged.
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { ContractError, parseEncryptedBallot, parsePlaintextSelections } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest, Receipt } from '@hanpyo/contracts';
import { fromBase64url, trackingCode, verifySignature } from '@hanpyo/crypto';
import type { ElectionContext } from '@hanpyo/crypto';
import {
  authorizationContext,
  castRefusal,
  checkToken,
  receiptRefusals,
  voterRefusal,
} from '@hanpyo/counting';
import type { AuthorizationContext, CheckedToken } from '@hanpyo/counting';
import {
  ApiError,
  CLOCK,
  HTTP_STATUS,
  Health,
  JsonLogger,
  retryAfterSeconds,
  toApiError,
} from '@hanpyo/service-kit';
import type { Clock, Election } from '@hanpyo/service-kit';
import { BoardRepository } from './board.repository.js';
import { CastRateLimiter } from './cast-rate.js';
import { CryptoPool } from './crypto-pool.js';
import { EdgeKeys } from './keys.js';
import { EdgeMetrics } from './edge.metrics.js';
import { ElectionsRepository } from './elections.repository.js';
import { ballotError, boardError, refusalError } from './errors.js';
import { InFlightLimiter } from './limiter.js';
import { RecentSet } from './recent-set.js';
import { memoizedVerify } from './verify-memo.js';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';

/** What the edge derives once per manifest and reuses for every ballot. */
interface ElectionPolicy {
  /** Token checks, with verifications remembered: edge mode checks one token twice per vote. */
  readonly authorization: AuthorizationContext;
  /** Cast signatures, each verified once per cast: nothing to gain from remembering them. */
  readonly casts: AuthorizationContext;
  readonly edgeMode: boolean;
  readonly receiptKeyListed: boolean;
}

/** The voter a token names, checked (SPEC §4). */
interface Voter extends CheckedToken {
  readonly token: string;
  readonly districtId: string;
  readonly nullifier: Uint8Array;
}

/** The public view of an election at the edge. */
export interface ElectionView {
  readonly manifest: Manifest;
  readonly jointPublicKey: string | null;
}

@Injectable()
export class BallotsService implements BeforeApplicationShutdown {
  private readonly policies = new WeakMap<Manifest, ElectionPolicy>();
  /** Token verifications, each success remembered (verify-memo.ts). */
  private readonly verify = memoizedVerify(verifySignature, 100_000);
  private readonly limiter: InFlightLimiter;
  /** Tracking codes of ballots this process encrypted lately (edge mode), not cast yet. */
  private readonly encrypted = new RecentSet(50_000);
  /** Casts per voter (cast-rate.ts): re-votes are allowed, not unbounded. */
  private readonly castRate: CastRateLimiter;

  constructor(
    @Inject(CONFIG) config: EdgeConfig,
    @Inject(ElectionsRepository) private readonly elections: ElectionsRepository,
    @Inject(BoardRepository) private readonly board: BoardRepository,
    @Inject(EdgeKeys) private readonly keys: EdgeKeys,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
    @Inject(Health) private readonly health: Health,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CryptoPool) private readonly crypto: CryptoPool,
  ) {
    this.limiter = new InFlightLimiter(config.HANPYO_EDGE_MAX_IN_FLIGHT, (n) =>
      metrics.inFlight.set(n),
    );
    this.castRate = new CastRateLimiter({
      rate: config.HANPYO_EDGE_TOKEN_RATE,
      burst: config.HANPYO_EDGE_TOKEN_BURST,
      tracked: config.HANPYO_EDGE_TOKEN_TRACKED,
      now: () => clock.now().getTime(),
    });
  }

  /** `GET /v1/elections/{id}`: the manifest and, once the ceremony is accepted, the joint key. */
  async view(electionId: string): Promise<ElectionView> {
    const election = await this.find(electionId);
    return { manifest: election.manifest, jointPublicKey: election.row.jointPublicKey };
  }

  /**
   * `POST /v1/elections/{id}/ballots`: casts one signed ballot, or refuses it with a coded
   * ApiError. Beyond the in-flight bound it answers 503 OVERLOADED at once.
   */
  submit(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ receipt: Receipt }> {
    return this.guarded('cast', () => this.cast(electionId, authorization, body));
  }

  /**
   * `POST /v1/elections/{id}/ballots/encrypt` (edge mode, step 1): the token's voter's selections
   * encrypted and proved here, returned unwritten for the device to sign and cast.
   */
  encrypt(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ ballot: EncryptedBallot }> {
    return this.guarded('encrypt', () => this.encryptFor(electionId, authorization, body));
  }

  /** The in-flight bound, metrics and error mapping around one request. */
  private async guarded<T>(operation: 'cast' | 'encrypt', work: () => Promise<T>): Promise<T> {
    const shed = this.limiter.tryAcquire();
    if (shed !== undefined) {
      this.metrics.shed.inc({ reason: shed });
      throw shed === 'draining'
        ? new ApiError('UNAVAILABLE', 'the edge is shutting down; retry')
        : new ApiError('OVERLOADED', 'the edge is at capacity; retry shortly');
    }
    const started = performance.now();
    try {
      const result = await work();
      this.metrics.accepted.inc({ operation });
      this.metrics.ballotSeconds.observe({ operation }, (performance.now() - started) / 1000);
      return result;
    } catch (e) {
      const error = toApiError(e);
      this.metrics.rejected.inc({ code: error.code });
      if (error.code === 'OVERLOADED') this.metrics.shed.inc({ reason: 'board_queue' });
      // An unexpected error goes on as itself, so the filter logs where it came from.
      throw error.code === 'INTERNAL' ? e : error;
    } finally {
      this.limiter.release();
    }
  }

  /**
   * On SIGTERM, before the HTTP server closes: not ready, no new ballots (503 UNAVAILABLE with
   * Retry-After), and every ballot in flight finished — written without lingering, and receipted.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.health.drain();
    const drained = this.limiter.drain();
    this.board.expedite();
    await drained;
  }

  private async cast(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ receipt: Receipt }> {
    const { election, policy, context, voter, now } = await this.open(electionId, authorization);
    const request = castRequest(body);
    const ballot = parseBallot(request.ballot);
    // Cheap checks first: a ballot for someone else, or unsigned, costs no elliptic-curve work.
    if (ballot.electionId !== context.manifest.electionId)
      throw new ApiError('BALLOT_INVALID', '$.electionId: ballot is for another election');
    const mismatch = voterRefusal(voter.claims, ballot);
    if (mismatch) throw refusalError(mismatch);
    const code = trackingCode(ballot);
    const unsigned = castRefusal(policy.casts, voter.deviceKey, request.castSignature, code);
    if (unsigned) throw refusalError(unsigned);
    // Only the device key's holder gets here, so no one can spend another voter's casts; and a
    // limited cast costs no proof check.
    const rateKey = `${electionId}\u0000${voter.claims.sub}`;
    this.limitCastRate(rateKey);
    try {
      return await this.castChecked(
        electionId,
        election,
        policy,
        context,
        voter,
        now,
        ballot,
        code,
        request,
      );
    } catch (e) {
      // Unavailable or at capacity (503): not the voter's doing, so not one of their casts.
      if (e instanceof ApiError && HTTP_STATUS[e.code] === 503) this.castRate.refund(rateKey);
      throw e;
    }
  }

  /** A cast from its proofs on: checked, written to the board, receipted. */
  private async castChecked(
    electionId: string,
    election: Election,
    policy: ElectionPolicy,
    context: ElectionContext,
    voter: Voter,
    now: Date,
    ballot: EncryptedBallot,
    code: string,
    request: { ballot: unknown; castSignature: unknown },
  ): Promise<{ receipt: Receipt }> {
    // A ballot this edge encrypted itself (edge mode, step 1) is valid by construction: the same
    // tracking code is the same ballot, so its proofs need not be checked a second time.
    if (this.encrypted.take(`${electionId}\u0000${code}`)) this.metrics.ownBallots.inc();
    else {
      const issues = await this.crypto.check(context, ballot);
      if (issues.length > 0) throw ballotError(issues);
    }
    this.requireReceiptKey(election, policy);
    let written;
    try {
      written = await this.board.write(election, {
        districtId: voter.districtId,
        nullifier: voter.nullifier,
        trackingCode: code,
        ballot,
        token: voter.token,
        castSignature: request.castSignature as string,
        now,
      });
    } catch (e) {
      const error = boardError(e);
      if (error.code === 'INTERNAL') {
        this.logger.error('board write failed', {
          electionId,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      throw error;
    }
    // SPEC §7: a receipt only for an entry that is on the board with acks=all and stays authorized
    // at the broker's append time. Otherwise the entry stays on the board, never counted.
    const late = receiptRefusals(
      policy.authorization,
      voter.claims,
      Date.parse(written.receivedAt),
    );
    if (late.length > 0) {
      this.logger.warn('board entry received outside its window: no receipt', {
        electionId,
        partition: written.partition,
        offset: written.offset,
        receivedAt: written.receivedAt,
        rule: late[0]!.code,
      });
      throw refusalError(late[0]!, true);
    }
    const receipt = this.keys.signReceipt({
      electionId,
      districtId: voter.districtId,
      trackingCode: code,
      partition: written.partition,
      offset: written.offset,
      receivedAt: written.receivedAt,
    });
    return { receipt };
  }

  private async encryptFor(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ ballot: EncryptedBallot }> {
    const { policy, context, voter } = await this.open(electionId, authorization);
    if (!policy.edgeMode) {
      throw new ApiError(
        'ENCRYPTION_MODE_NOT_ALLOWED',
        'this election does not offer edge-mode encryption; encrypt on the device',
      );
    }
    const selections = selectionsOf(body);
    const ballot = await this.encryptedHere(context, voter, selections);
    this.encrypted.add(`${electionId}\u0000${trackingCode(ballot)}`);
    return { ballot };
  }

  /**
   * What both steps check first: the election accepts ballots now, then the voter's token.
   * Election state is public (GET shows it), so it is checked before the voter's credential.
   */
  private async open(electionId: string, authorization: string | undefined) {
    const election = await this.find(electionId);
    const policy = this.policyOf(election.manifest);
    const now = this.clock.now();
    const context = this.openContext(election, now);
    const voter = this.voter(policy, authorization, now);
    return { election, policy, context, voter, now };
  }

  /** 429 RATE_LIMITED beyond the voter's cast rate, asked to wait until a cast is due, jittered. */
  private limitCastRate(key: string): void {
    const wait = this.castRate.take(key);
    this.metrics.rateTracked.set(this.castRate.size);
    if (wait === undefined) return;
    this.metrics.rateLimited.inc();
    const due = Math.max(1, Math.ceil(wait));
    throw new ApiError(
      'RATE_LIMITED',
      "this voter's casts exceed the edge's rate; retry after Retry-After seconds",
      retryAfterSeconds(Math.random, due, due + 2),
    );
  }

  /** A receipt under a key the manifest does not list would be worthless: refuse before writing. */
  private requireReceiptKey(election: Election, policy: ElectionPolicy): void {
    if (policy.receiptKeyListed) return;
    this.logger.error('receipt key not listed in the manifest', {
      electionId: election.manifest.electionId,
      keyId: this.keys.receipt.keyId,
    });
    throw new ApiError('INTERNAL', "this edge's receipt key is not an edge signer of the election");
  }

  private async find(electionId: string): Promise<Election> {
    const election = await this.elections.get(electionId);
    if (!election) throw new ApiError('ELECTION_NOT_FOUND', `no election '${electionId}'`);
    return election;
  }

  /** The election's context, if it accepts ballots now: state open and now ∈ [opens, closes]. */
  private openContext(election: Election, now: Date): ElectionContext {
    const t = now.getTime();
    if (election.row.state !== 'open' || !election.context) {
      throw new ApiError('ELECTION_NOT_OPEN', `the election is ${election.row.state}`);
    }
    const { opens, closes } = this.policyOf(election.manifest).authorization;
    if (t < opens) throw new ApiError('ELECTION_NOT_OPEN', 'the election has not opened');
    if (t > closes) throw new ApiError('ELECTION_NOT_OPEN', 'the election has closed');
    return election.context;
  }

  /** SPEC §4: the bearer token, verified now, with its voter (nullifier), district and device key. */
  private voter(policy: ElectionPolicy, authorization: string | undefined, now: Date): Voter {
    const token = bearer(authorization);
    const checked = checkToken(policy.authorization, token, now.getTime());
    if ('refusal' in checked) throw refusalError(checked.refusal);
    let nullifier: Uint8Array;
    try {
      nullifier = fromBase64url(checked.claims.sub, 32);
    } catch {
      // `sub` has the shape of 32 bytes of base64url but is not canonical.
      throw new ApiError('TOKEN_INVALID', 'token subject is not a nullifier');
    }
    return { ...checked, token, districtId: checked.claims.dst, nullifier };
  }

  /** Edge mode: the selections, encrypted and proved on a worker thread with fresh nonces. */
  private encryptedHere(
    context: ElectionContext,
    voter: Voter,
    selections: unknown,
  ): Promise<EncryptedBallot> {
    let parsed;
    try {
      parsed = parsePlaintextSelections(selections);
    } catch (e) {
      // The contract's message names paths only; a selection's value never appears in it.
      if (e instanceof ContractError) throw new ApiError('SELECTION_INVALID', e.message);
      throw e;
    }
    return this.crypto.encrypt(context, voter, parsed);
  }

  private policyOf(manifest: Manifest): ElectionPolicy {
    let policy = this.policies.get(manifest);
    if (!policy) {
      const authorization = authorizationContext(manifest, { verify: this.verify });
      policy = {
        authorization,
        casts: { ...authorization, verify: verifySignature },
        edgeMode: manifest.encryptionModes.includes('edge'),
        receiptKeyListed: this.keys.listedIn(manifest.edgeSigners),
      };
      this.policies.set(manifest, policy);
    }
    return policy;
  }
}

/** The token of `Authorization: Bearer <token>`. */
function bearer(authorization: string | undefined): string {
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!m?.[1])
    throw new ApiError('TOKEN_MISSING', 'send the voting token as Authorization: Bearer <token>');
  return m[1];
}

/** A cast body: exactly `{ballot, castSignature}`. Plaintext selections go to `…/encrypt` first. */
function castRequest(body: unknown): { ballot: unknown; castSignature: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('REQUEST_INVALID', 'body must be {"ballot": …, "castSignature": …}');
  }
  const b = body as Record<string, unknown>;
  if ('selections' in b) {
    throw new ApiError(
      'REQUEST_INVALID',
      'a cast carries an encrypted, signed ballot: send {"selections"} to POST …/ballots/encrypt, then cast the ballot it returns as {"ballot", "castSignature"}',
    );
  }
  const extra = Object.keys(b).filter((k) => k !== 'ballot' && k !== 'castSignature');
  if (!('ballot' in b) || extra.length > 0) {
    throw new ApiError(
      'REQUEST_INVALID',
      'body must be exactly {"ballot": SPEC §5 ballot, "castSignature": base64url Ed25519 signature}',
    );
  }
  return { ballot: b.ballot, castSignature: b.castSignature };
}

/** An encrypt body: exactly `{selections}`. */
function selectionsOf(body: unknown): unknown {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    Object.keys(body).length !== 1 ||
    !('selections' in body)
  ) {
    throw new ApiError(
      'REQUEST_INVALID',
      'body must be exactly {"selections": {contestId: [optionId…]}}',
    );
  }
  return body.selections;
}

/** The ballot of a cast, shape checked (SPEC §5). */
function parseBallot(value: unknown): EncryptedBallot {
  try {
    return parseEncryptedBallot(value);
  } catch (e) {
    if (e instanceof ContractError) throw new ApiError('BALLOT_INVALID', e.message);
    throw e;
  }
}
