// The edge's metrics (STYLE.md §9): label values from bounded sets only — an operation (cast,
// encrypt), an API error code, a shed reason, a write outcome — never a voter, token, district or
// tracking code.
import { Inject, Injectable } from '@nestjs/common';
import { Metrics } from '@hanpyo/service-kit';

@Injectable()
export class EdgeMetrics {
  /** Requests done: casts receipted (`cast`), ballots encrypted for a device (`encrypt`). */
  readonly accepted: ReturnType<Metrics['counter']>;
  /** Casts of ballots this process encrypted itself (edge mode): their proofs are not re-checked. */
  readonly ownBallots: ReturnType<Metrics['counter']>;
  /** Ballot requests refused, by API error code. */
  readonly rejected: ReturnType<Metrics['counter']>;
  /** Ballot requests refused at once for capacity, by reason (in_flight, draining, board_queue, crypto_queue). */
  readonly shed: ReturnType<Metrics['counter']>;
  /** Ballot requests being handled now. */
  readonly inFlight: ReturnType<Metrics['gauge']>;
  /** Duration of one acks=all produce request (one batch), by outcome (ok, error). */
  readonly boardWrite: ReturnType<Metrics['histogram']>;
  /** Ballots per produce request. */
  readonly boardBatch: ReturnType<Metrics['histogram']>;
  /** Time from taking a request to its answer (receipt or encrypted ballot), by operation. */
  readonly ballotSeconds: ReturnType<Metrics['histogram']>;
  /** Worker threads of the crypto pool. */
  readonly cryptoThreads: ReturnType<Metrics['gauge']>;
  /** Time of one crypto task (check, encrypt), its wait for a thread included. */
  readonly cryptoSeconds: ReturnType<Metrics['histogram']>;
  /** Board producers replaced after kafkajs left one broken (disconnected, producer id lost). */
  readonly producerReplaced: ReturnType<Metrics['counter']>;
  /** Casts refused for their voter's rate (429 RATE_LIMITED). */
  readonly rateLimited: ReturnType<Metrics['counter']>;
  /** Voters whose cast rate is tracked now (bounded by HANPYO_EDGE_TOKEN_TRACKED). */
  readonly rateTracked: ReturnType<Metrics['gauge']>;

  constructor(@Inject(Metrics) metrics: Metrics) {
    this.accepted = metrics.counter(
      'hanpyo_edge_ballots_accepted_total',
      'Casts receipted (operation=cast) and ballots encrypted in edge mode (operation=encrypt)',
      ['operation'],
    );
    this.ownBallots = metrics.counter(
      'hanpyo_edge_own_ballots_total',
      'Casts of ballots this edge encrypted (edge mode), whose proofs it does not check again',
      [],
    );
    this.rejected = metrics.counter(
      'hanpyo_edge_ballots_rejected_total',
      'Ballot requests refused, by error code',
      ['code'],
    );
    this.shed = metrics.counter(
      'hanpyo_edge_ballots_shed_total',
      'Ballot requests refused at once for capacity',
      ['reason'],
    );
    this.inFlight = metrics.gauge('hanpyo_edge_in_flight', 'Ballot requests being handled');
    this.boardWrite = metrics.histogram(
      'hanpyo_edge_board_write_seconds',
      'Duration of one acks=all board produce request',
      ['outcome'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.boardBatch = metrics.histogram(
      'hanpyo_edge_board_batch_size',
      'Ballots per board produce request',
      [],
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    );
    this.ballotSeconds = metrics.histogram(
      'hanpyo_edge_ballot_seconds',
      'Time from taking a ballot request to its answer',
      ['operation'],
      [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.cryptoThreads = metrics.gauge(
      'hanpyo_edge_crypto_threads',
      "Worker threads doing the edge's elliptic-curve work",
    );
    this.cryptoSeconds = metrics.histogram(
      'hanpyo_edge_crypto_seconds',
      'Time of one crypto task (ballot check, edge-mode encryption), waiting for a thread included',
      ['task'],
      [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.producerReplaced = metrics.counter(
      'hanpyo_edge_board_producer_replaced_total',
      'Board producers replaced because kafkajs left one broken',
    );
    this.rateLimited = metrics.counter(
      'hanpyo_edge_rate_limited_total',
      "Casts refused with 429 RATE_LIMITED for their voter's cast rate",
    );
    this.rateTracked = metrics.gauge(
      'hanpyo_edge_rate_tracked_voters',
      'Voters whose cast rate the edge tracks now',
    );
  }
}
