// Decisions about elections: registering a manifest (filled with the deployment's keys), accepting
// a key ceremony (every proof verified), opening and closing.
import { Inject, Injectable } from '@nestjs/common';
import { ContractError, parseCeremony, parseManifest } from '@hanpyo/contracts';
import type { CeremonyRecord, Manifest } from '@hanpyo/contracts';
import {
  base64url,
  checkCeremony,
  electionBaseHash,
  manifestHash,
  pointFromText,
  toHex,
} from '@hanpyo/crypto';
import { TOPIC_SAFE } from '@hanpyo/kafka';
import { partitionLayout } from '@hanpyo/ledger';
import type { PartitionLayout } from '@hanpyo/ledger';
import { ApiError, CLOCK, finalCutAt } from '@hanpyo/service-kit';
import type { Clock } from '@hanpyo/service-kit';
import { CONFIG } from './config.js';
import type { RegistrarConfig } from './config.js';
import { ElectionsRepository } from './elections.repository.js';
import { SigningKeys } from './keys.js';

/** The public view of an election. */
export interface ElectionView {
  readonly manifest: Manifest;
  readonly manifestHash: string;
  readonly state: string;
  readonly jointPublicKey: string | null;
  readonly ceremony: CeremonyRecord | null;
  /**
   * The board's district → partition-range map, fixed at registration (what an observer reads to
   * follow only some districts' partitions).
   */
  readonly partitionLayout: PartitionLayout;
}

/** What closing answers: when, and when the ledger's final block will come. */
export interface CloseView {
  readonly state: 'closed';
  readonly closedAt: string;
  /** The manifest's end of voting. */
  readonly closes: string;
  /** Closed before `closes`: the final block waits for `closes` all the same. */
  readonly closedEarly: boolean;
  /** The earliest the ledger cuts the final block: max(closes, closedAt) + the grace. */
  readonly finalBlockAfter: string;
  readonly finalGraceSeconds: number;
}

@Injectable()
export class ElectionsService {
  constructor(
    @Inject(CONFIG) private readonly config: RegistrarConfig,
    @Inject(ElectionsRepository) private readonly repository: ElectionsRepository,
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Registers an election. Leaves left out of `tokenIssuers`, `edgeSigners`, `ledgerSigners` and
   * `witnesses` are filled with the deployment's public keys; the manifest is then validated,
   * hashed, its partition layout fixed and its topics created.
   */
  async create(input: unknown): Promise<{ manifest: Manifest; manifestHash: string }> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ApiError('REQUEST_INVALID', 'body must be {"manifest": {...}}');
    }
    const draft = { ...(input as Record<string, unknown>) };
    draft.tokenIssuers ??= [
      {
        kty: 'OKP',
        crv: 'Ed25519',
        kid: this.keys.registrar.keyId,
        x: base64url(this.keys.registrar.publicKey),
      },
    ];
    draft.edgeSigners ??= this.config.HANPYO_EDGE_SIGNERS;
    draft.ledgerSigners ??= this.config.HANPYO_LEDGER_SIGNERS;
    draft.witnesses ??= this.config.HANPYO_WITNESSES;
    const manifest = parseManifest(draft);
    if (!TOPIC_SAFE.test(manifest.electionId)) {
      throw new ApiError(
        'REQUEST_INVALID',
        '$.electionId: use only letters, digits, . _ - (at most 100 characters)',
      );
    }
    if (
      manifest.edgeSigners.length === 0 ||
      manifest.ledgerSigners.length === 0 ||
      manifest.tokenIssuers.length === 0
    ) {
      throw new ApiError(
        'REQUEST_INVALID',
        'the manifest needs at least one token issuer, edge signer and ledger signer',
      );
    }
    const hash = toHex(manifestHash(manifest));
    const layout = partitionLayout(manifest, {
      votersPerPartition: this.config.HANPYO_VOTERS_PER_PARTITION,
      maxPartitions: this.config.HANPYO_MAX_PARTITIONS,
    });
    const inserted = await this.repository.insert(
      {
        electionId: manifest.electionId,
        manifest: JSON.stringify(manifest),
        manifestHash: hash,
        partitionLayout: JSON.stringify(layout),
      },
      this.clock.now(),
    );
    if (!inserted) {
      const existing = await this.repository.get(manifest.electionId);
      // Re-registering the identical manifest is a no-op (safe to retry); another one is a conflict.
      if (existing?.manifestHash !== hash)
        throw new ApiError(
          'ELECTION_EXISTS',
          `election '${manifest.electionId}' exists with another manifest`,
        );
    }
    await this.repository.ensureTopics(manifest.electionId, layout);
    return { manifest, manifestHash: hash };
  }

  async view(electionId: string): Promise<ElectionView> {
    const row = await this.repository.get(electionId);
    if (!row) throw new ApiError('ELECTION_NOT_FOUND', `no election '${electionId}'`);
    return {
      manifest: JSON.parse(row.manifest) as Manifest,
      manifestHash: row.manifestHash,
      state: row.state,
      jointPublicKey: row.jointPublicKey,
      ceremony: row.ceremony ? (JSON.parse(row.ceremony) as CeremonyRecord) : null,
      partitionLayout: JSON.parse(row.partitionLayout) as PartitionLayout,
    };
  }

  /** Accepts the public record of a key ceremony (SPEC §3) after verifying every proof; fixes K and Q. */
  async acceptCeremony(
    electionId: string,
    input: unknown,
  ): Promise<{ jointPublicKey: string; Q: string }> {
    const election = await this.view(electionId);
    let record: CeremonyRecord;
    try {
      record = parseCeremony(input);
    } catch (e) {
      throw new ApiError(
        'CEREMONY_INVALID',
        e instanceof ContractError ? e.message : 'not a ceremony record',
      );
    }
    const mh = manifestHash(election.manifest);
    const issues = checkCeremony(mh, election.manifest.trustees, record);
    if (issues.length > 0) {
      throw new ApiError(
        'CEREMONY_INVALID',
        issues
          .map(
            (i) =>
              `${i.code}${i.trustee !== undefined ? ` trustee ${i.trustee}` : ''}${i.coefficient !== undefined ? ` coefficient ${i.coefficient}` : ''}: ${i.message}`,
          )
          .join('; '),
      );
    }
    const K = pointFromText(record.jointPublicKey);
    const Q = toHex(electionBaseHash(mh, K));
    if (election.state !== 'created') {
      if (election.jointPublicKey === record.jointPublicKey)
        return { jointPublicKey: record.jointPublicKey, Q };
      throw new ApiError('ELECTION_STATE', `the ceremony of '${electionId}' is already fixed`);
    }
    if (
      !(await this.repository.setCeremony(
        electionId,
        JSON.stringify(record),
        record.jointPublicKey,
        Q,
      ))
    ) {
      throw new ApiError('ELECTION_STATE', `the ceremony of '${electionId}' is already fixed`);
    }
    return { jointPublicKey: record.jointPublicKey, Q };
  }

  /** ready → open. Ballots are accepted while open and within the manifest's window. */
  async open(electionId: string): Promise<{ state: 'open' }> {
    const election = await this.view(electionId);
    if (election.state === 'open') return { state: 'open' };
    if (
      election.state !== 'ready' ||
      !(await this.repository.transition(electionId, 'ready', 'open', this.clock.now()))
    ) {
      throw new ApiError(
        'ELECTION_STATE',
        `election '${electionId}' is ${election.state}; it opens after its ceremony, once`,
      );
    }
    return { state: 'open' };
  }

  /**
   * open → closed: the edges refuse ballots from now on (within their election-cache TTL). The
   * ledger cuts the final block once `closes` has passed (or now, if later) and its grace — when is
   * said in the answer, so an operator closing early knows how long the final block will take.
   */
  async close(electionId: string): Promise<CloseView> {
    const election = await this.view(electionId);
    if (election.state !== 'closed') {
      if (
        election.state !== 'open' ||
        !(await this.repository.transition(electionId, 'open', 'closed', this.clock.now()))
      ) {
        throw new ApiError(
          'ELECTION_STATE',
          `election '${electionId}' is ${election.state}; only an open election closes`,
        );
      }
    }
    const row = await this.repository.get(electionId);
    const closedAt = row?.closedAt?.getTime() ?? this.clock.now().getTime();
    const closes = Date.parse(election.manifest.closes);
    return {
      state: 'closed',
      closedAt: new Date(closedAt).toISOString(),
      closes: election.manifest.closes,
      closedEarly: closedAt < closes,
      finalBlockAfter: new Date(
        finalCutAt(closes, closedAt, this.config.finalGraceMs),
      ).toISOString(),
      finalGraceSeconds: this.config.finalGraceMs / 1000,
    };
  }
}
