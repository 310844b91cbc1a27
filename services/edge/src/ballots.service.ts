// Decisions about one ballot (SPEC §4–§7): the election must be open, the token valid for it, the
// body exactly one of a client-encrypted ballot (every proof verified, bound to the token's voter
// and district) or plaintext selections (edge mode, where the manifest allows it, encrypted here
// with fresh randomness). Only after the board entry is written with acks=all is the receipt
// signed. Nothing about a ballot reaches the board before every check passed, and no selection,
// token or nonce is ever logged.
import { Inject, Injectable } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import { ContractError, parseEncryptedBallot, parsePlaintextSelections } from '@hanpyo/contracts';
import type { EncryptedBallot, Manifest, Receipt } from '@hanpyo/contracts';
import {
  TokenError,
  bytesEqual,
  checkBallot,
  encryptBallot,
  fromBase64url,
  randomBallotNonces,
  trackingCode,
  verifyToken,
} from '@hanpyo/crypto';
import type { ElectionContext, RandomSource } from '@hanpyo/crypto';
import { ApiError, CLOCK, Health, JsonLogger, toApiError } from '@hanpyo/service-kit';
import type { Clock, Election } from '@hanpyo/service-kit';
import { BoardRepository } from './board.repository.js';
import { NativeEd25519 } from './ed25519.js';
import { EdgeKeys } from './keys.js';
import { EdgeMetrics } from './edge.metrics.js';
import { ElectionsRepository } from './elections.repository.js';
import { RETRY_AFTER_SECONDS, ballotError, boardError, tokenError } from './errors.js';
import { InFlightLimiter } from './limiter.js';
import { CONFIG } from './config.js';
import type { EdgeConfig } from './config.js';

/** Injection token of the randomness edge-mode encryption draws from (STYLE.md §5). */
export const RANDOM = Symbol('RandomSource');

/** How the ballot was encrypted. */
export type EncryptionMode = 'client' | 'edge';

/** What the edge derives once per manifest and reuses for every ballot. */
interface ElectionPolicy {
  readonly opens: number;
  readonly closes: number;
  readonly districts: ReadonlySet<string>;
  readonly modes: ReadonlySet<EncryptionMode>;
  readonly receiptKeyListed: boolean;
}

/** The public view of an election at the edge. */
export interface ElectionView {
  readonly manifest: Manifest;
  readonly jointPublicKey: string | null;
}

@Injectable()
export class BallotsService implements BeforeApplicationShutdown {
  private readonly policies = new WeakMap<Manifest, ElectionPolicy>();
  private readonly ed25519 = new NativeEd25519();
  private readonly limiter: InFlightLimiter;

  constructor(
    @Inject(CONFIG) config: EdgeConfig,
    @Inject(ElectionsRepository) private readonly elections: ElectionsRepository,
    @Inject(BoardRepository) private readonly board: BoardRepository,
    @Inject(EdgeKeys) private readonly keys: EdgeKeys,
    @Inject(EdgeMetrics) private readonly metrics: EdgeMetrics,
    @Inject(Health) private readonly health: Health,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: RandomSource,
  ) {
    this.limiter = new InFlightLimiter(config.HANPYO_EDGE_MAX_IN_FLIGHT, (n) =>
      metrics.inFlight.set(n),
    );
  }

  /** `GET /v1/elections/{id}`: the manifest and, once the ceremony is accepted, the joint key. */
  async view(electionId: string): Promise<ElectionView> {
    const election = await this.find(electionId);
    return { manifest: election.manifest, jointPublicKey: election.row.jointPublicKey };
  }

  /**
   * `POST /v1/elections/{id}/ballots`: takes one ballot, or refuses it with a coded ApiError.
   * Beyond the in-flight bound it answers 503 OVERLOADED at once.
   */
  async submit(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ receipt: Receipt }> {
    const shed = this.limiter.tryAcquire();
    if (shed !== undefined) {
      this.metrics.shed.inc({ reason: shed });
      throw shed === 'draining'
        ? new ApiError('UNAVAILABLE', 'the edge is shutting down; retry', RETRY_AFTER_SECONDS)
        : new ApiError('OVERLOADED', 'the edge is at capacity; retry shortly', RETRY_AFTER_SECONDS);
    }
    const started = performance.now();
    try {
      const { receipt, mode } = await this.accept(electionId, authorization, body);
      this.metrics.accepted.inc({ mode });
      this.metrics.ballotSeconds.observe({ mode }, (performance.now() - started) / 1000);
      return { receipt };
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

  private async accept(
    electionId: string,
    authorization: string | undefined,
    body: unknown,
  ): Promise<{ receipt: Receipt; mode: EncryptionMode }> {
    const election = await this.find(electionId);
    const policy = this.policyOf(election.manifest);
    const now = this.clock.now();
    // Election state is public (GET shows it), so it is checked before the voter's credential.
    const context = this.openContext(election, policy, now);
    const voter = this.voter(election.manifest, policy, authorization, now);
    const request = requestKind(body);
    if (!policy.modes.has(request.mode)) {
      throw new ApiError(
        'ENCRYPTION_MODE_NOT_ALLOWED',
        `this election does not accept ${request.mode}-encrypted ballots`,
      );
    }
    if (!policy.receiptKeyListed) {
      // A receipt under a key the manifest does not list would be worthless: refuse before writing.
      this.logger.error('receipt key not listed in the manifest', {
        electionId,
        keyId: this.keys.receipt.keyId,
      });
      throw new ApiError(
        'INTERNAL',
        "this edge's receipt key is not an edge signer of the election",
      );
    }
    const ballot =
      request.mode === 'client'
        ? this.verifiedBallot(context, voter, request.value)
        : this.encryptedHere(context, voter, request.value);
    const code = trackingCode(ballot);
    let written;
    try {
      written = await this.board.write(election, {
        districtId: voter.districtId,
        nullifier: voter.nullifier,
        trackingCode: code,
        ballot,
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
    // SPEC §7: signed only now, after acks=all.
    const receipt = this.keys.signReceipt({
      electionId,
      districtId: voter.districtId,
      trackingCode: code,
      partition: written.partition,
      offset: written.offset,
      receivedAt: written.receivedAt,
    });
    return { receipt, mode: request.mode };
  }

  private async find(electionId: string): Promise<Election> {
    const election = await this.elections.get(electionId);
    if (!election) throw new ApiError('ELECTION_NOT_FOUND', `no election '${electionId}'`);
    return election;
  }

  /** The election's context, if it accepts ballots now: state open and now ∈ [opens, closes]. */
  private openContext(election: Election, policy: ElectionPolicy, now: Date): ElectionContext {
    const t = now.getTime();
    if (election.row.state !== 'open' || !election.context) {
      throw new ApiError('ELECTION_NOT_OPEN', `the election is ${election.row.state}`);
    }
    if (t < policy.opens) throw new ApiError('ELECTION_NOT_OPEN', 'the election has not opened');
    if (t > policy.closes) throw new ApiError('ELECTION_NOT_OPEN', 'the election has closed');
    return election.context;
  }

  /** SPEC §4: the bearer token's voter (nullifier) and district. */
  private voter(
    manifest: Manifest,
    policy: ElectionPolicy,
    authorization: string | undefined,
    now: Date,
  ): { districtId: string; nullifier: Uint8Array } {
    const token = bearer(authorization);
    let claims;
    try {
      claims = verifyToken(token, {
        issuers: manifest.tokenIssuers,
        audience: manifest.electionId,
        districts: policy.districts,
        nowSeconds: Math.floor(now.getTime() / 1000),
        verify: this.ed25519.verify,
      });
    } catch (e) {
      if (e instanceof TokenError) throw tokenError(e);
      throw e;
    }
    try {
      return { districtId: claims.dst, nullifier: fromBase64url(claims.sub, 32) };
    } catch {
      // `sub` has the shape of 32 bytes of base64url but is not canonical.
      throw new ApiError('TOKEN_INVALID', 'token subject is not a nullifier');
    }
  }

  /** Client mode: the ballot is the token's voter's, for its district, and every proof verifies. */
  private verifiedBallot(
    context: ElectionContext,
    voter: { districtId: string; nullifier: Uint8Array },
    value: unknown,
  ): EncryptedBallot {
    let ballot: EncryptedBallot;
    try {
      ballot = parseEncryptedBallot(value);
    } catch (e) {
      if (e instanceof ContractError) throw new ApiError('BALLOT_INVALID', e.message);
      throw e;
    }
    // Cheap checks first: a ballot for someone else costs no elliptic-curve work.
    if (ballot.electionId !== context.manifest.electionId)
      throw new ApiError('BALLOT_INVALID', '$.electionId: ballot is for another election');
    if (ballot.districtId !== voter.districtId)
      throw new ApiError('DISTRICT_MISMATCH', "$.districtId: not the token's district");
    let nullifier: Uint8Array;
    try {
      nullifier = fromBase64url(ballot.nullifier, 32);
    } catch {
      throw new ApiError('ENCODING_INVALID', '$.nullifier: not 32 bytes of canonical base64url');
    }
    if (!bytesEqual(nullifier, voter.nullifier))
      throw new ApiError('VOTER_MISMATCH', "$.nullifier: not the token's voter");
    const issues = checkBallot(context, ballot);
    if (issues.length > 0) throw ballotError(issues);
    return ballot;
  }

  /** Edge mode: the selections, encrypted and proved here with fresh system randomness. */
  private encryptedHere(
    context: ElectionContext,
    voter: { districtId: string; nullifier: Uint8Array },
    value: unknown,
  ): EncryptedBallot {
    let selections;
    try {
      selections = parsePlaintextSelections(value);
    } catch (e) {
      // The contract's message names paths only; a selection's value never appears in it.
      if (e instanceof ContractError) throw new ApiError('SELECTION_INVALID', e.message);
      throw e;
    }
    return encryptBallot(context, voter, selections, randomBallotNonces(this.random));
  }

  private policyOf(manifest: Manifest): ElectionPolicy {
    let policy = this.policies.get(manifest);
    if (!policy) {
      policy = {
        opens: Date.parse(manifest.opens),
        closes: Date.parse(manifest.closes),
        districts: new Set(manifest.districts.map((d) => d.districtId)),
        modes: new Set(manifest.encryptionModes),
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

/** The body is exactly one of `{"ballot": …}` and `{"selections": …}`. */
function requestKind(
  body: unknown,
): { mode: 'client'; value: unknown } | { mode: 'edge'; value: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('REQUEST_INVALID', 'body must be {"ballot": …} or {"selections": …}');
  }
  const keys = Object.keys(body);
  const value = (body as Record<string, unknown>)[keys[0] ?? ''];
  if (keys.length === 1 && keys[0] === 'ballot') return { mode: 'client', value };
  if (keys.length === 1 && keys[0] === 'selections') return { mode: 'edge', value };
  throw new ApiError(
    'REQUEST_INVALID',
    'body must have exactly one of "ballot" (client encryption) and "selections" (edge encryption)',
  );
}
