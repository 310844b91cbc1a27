// The election registry (migration 2): one row per election, its lifecycle moved by lightweight
// transactions so two operators or replicas never both win a transition.
import { execute } from './client.js';
import type { Store } from './rows.js';

/** created: manifest registered; ready: ceremony accepted (K, Q fixed); open; closed. */
export type ElectionState = 'created' | 'ready' | 'open' | 'closed';

/** A stored election, as text columns (documents are validated by their users). */
export interface ElectionRow {
  readonly electionId: string;
  readonly manifest: string;
  readonly manifestHash: string;
  /** JSON of the ledger's PartitionLayout. */
  readonly partitionLayout: string;
  readonly state: ElectionState;
  readonly ceremony: string | null;
  readonly jointPublicKey: string | null;
  readonly baseHash: string | null;
  readonly createdAt: Date;
  readonly openedAt: Date | null;
  readonly closedAt: Date | null;
}

function row(r: { get(name: string): unknown }): ElectionRow {
  return {
    electionId: r.get('election_id') as string,
    manifest: r.get('manifest') as string,
    manifestHash: r.get('manifest_hash') as string,
    partitionLayout: r.get('partition_layout') as string,
    state: r.get('state') as ElectionState,
    ceremony: (r.get('ceremony') as string | null) ?? null,
    jointPublicKey: (r.get('joint_public_key') as string | null) ?? null,
    baseHash: (r.get('base_hash') as string | null) ?? null,
    createdAt: r.get('created_at') as Date,
    openedAt: (r.get('opened_at') as Date | null) ?? null,
    closedAt: (r.get('closed_at') as Date | null) ?? null,
  };
}

const COLUMNS =
  'election_id, manifest, manifest_hash, partition_layout, state, ceremony, joint_public_key, base_hash, created_at, opened_at, closed_at';

/** Registers an election; false when the id is taken. */
export async function insertElection(
  s: Store,
  election: { electionId: string; manifest: string; manifestHash: string; partitionLayout: string },
  now: Date,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    'INSERT INTO {ks}.elections (election_id, manifest, manifest_hash, partition_layout, state, created_at) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS',
    [
      election.electionId,
      election.manifest,
      election.manifestHash,
      election.partitionLayout,
      'created',
      now,
    ],
  );
  return r.first().get('[applied]') as boolean;
}

export async function getElection(s: Store, electionId: string): Promise<ElectionRow | undefined> {
  const r = await execute(
    s.client,
    s.config,
    `SELECT ${COLUMNS} FROM {ks}.elections WHERE election_id = ?`,
    [electionId],
  );
  const first = r.first() as { get(name: string): unknown } | null;
  return first ? row(first) : undefined;
}

/** All elections (the registry is small: a deployment runs a handful). */
export async function listElections(s: Store): Promise<ElectionRow[]> {
  const r = await execute(s.client, s.config, `SELECT ${COLUMNS} FROM {ks}.elections`);
  return r.rows.map(row);
}

/** Fixes the ceremony, K and Q; only from `created`. False when the election is not `created`. */
export async function setCeremony(
  s: Store,
  electionId: string,
  ceremony: string,
  jointPublicKey: string,
  baseHash: string,
): Promise<boolean> {
  const r = await execute(
    s.client,
    s.config,
    "UPDATE {ks}.elections SET ceremony = ?, joint_public_key = ?, base_hash = ?, state = 'ready' WHERE election_id = ? IF state = 'created'",
    [ceremony, jointPublicKey, baseHash, electionId],
  );
  return r.first().get('[applied]') as boolean;
}

/** Moves `from` → `to`, stamping the time; false when the election is not in `from`. */
export async function transition(
  s: Store,
  electionId: string,
  from: ElectionState,
  to: 'open' | 'closed',
  now: Date,
): Promise<boolean> {
  const column = to === 'open' ? 'opened_at' : 'closed_at';
  const r = await execute(
    s.client,
    s.config,
    `UPDATE {ks}.elections SET state = ?, ${column} = ? WHERE election_id = ? IF state = ?`,
    [to, now, electionId, from],
  );
  return r.first().get('[applied]') as boolean;
}

/**
 * Takes or renews a named lease for `ttlSeconds` (one block cutter per election): true when this
 * owner holds it afterwards.
 */
export async function acquireLease(
  s: Store,
  name: string,
  owner: string,
  ttlSeconds: number,
  now: Date,
): Promise<boolean> {
  const ttl = Math.max(1, Math.round(ttlSeconds));
  const taken = await execute(
    s.client,
    s.config,
    `INSERT INTO {ks}.leases (name, owner, acquired_at) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ${ttl}`,
    [name, owner, now],
  );
  if (taken.first().get('[applied]') as boolean) return true;
  const renewed = await execute(
    s.client,
    s.config,
    `UPDATE {ks}.leases USING TTL ${ttl} SET owner = ? WHERE name = ? IF owner = ?`,
    [owner, name, owner],
  );
  return renewed.first().get('[applied]') as boolean;
}

/** Gives a lease up (on shutdown), if this owner holds it. */
export async function releaseLease(s: Store, name: string, owner: string): Promise<void> {
  await execute(s.client, s.config, 'DELETE FROM {ks}.leases WHERE name = ? IF owner = ?', [
    name,
    owner,
  ]);
}
