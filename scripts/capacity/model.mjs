// The capacity model of docs/capacity.md, pure: the suite's bench JSON in, per-core rates out (each
// with the bench figure it comes from), then cluster sizes per scale, each row with its formula.
// No I/O and no clock here, so the arithmetic is unit-tested (scripts/capacity.test.mjs).

/** Why an input was refused: one stable code, a message that says which field and where. */
export class CapacityInputError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'CapacityInputError';
    this.code = 'CAPACITY_INPUT_INVALID';
  }
}

/**
 * The model's assumptions: every number the bench does not give. Each has its reason; the
 * document prints them (table `assumptions`).
 */
export const ASSUMPTIONS = Object.freeze({
  /** noble fixed-base k·G per second of a reference core (docs/scale-plan.md, docs/crypto.md). */
  referenceBaseline: 3859,
  /** CPU headroom: at the sized rate every pool runs at ≤ 1/1.5 = 67 % (HPA target 60 %). */
  cpuHeadroom: 1.5,
  /** Disk headroom: a disk at most half full (Cassandra compaction, Kafka segment roll, growth). */
  diskHeadroom: 2,
  /** Replication factor of Kafka topics and the Cassandra keyspace (DESIGN.md, deploy/k8s). */
  replicationFactor: 3,
  /** Zones (Kafka racks, Cassandra racks): the least number of brokers and nodes. */
  zones: 3,
  /** Consumer groups reading the whole board: the persister and this many observers. */
  observers: 3,
  /** Share of casts in edge mode (the edge encrypts): the demo's mix (README). */
  edgeModeShare: 0.5,
  /** Length of the opening burst, seconds (issue 11: 5 minutes). */
  burstSeconds: 300,
  /** Burst factor over the busiest hour's mean rate (issue 11: 3×). */
  burstFactor: 3,
  /**
   * Kafka broker CPU per message, kafkajs, single local broker, 1,500-byte values
   * (docs/kafka-client.md, `npm run bench:kafka-client` run 1, medians): through the edge's
   * BoardWriter (64 in flight) and read by a consumer group. Not in the suite; scaled here
   * linearly by message size, which overstates it (most of it is per request and per batch).
   */
  kafkaProduceMicroseconds: 17.7,
  kafkaConsumeMicroseconds: 4.2,
  kafkaMeasuredMessageBytes: 1500,
  /** Kafka record overhead in a batch (varint lengths, offsets delta, timestamp, header). */
  kafkaRecordOverheadBytes: 70,
  /**
   * Cassandra work per ballot beyond the persister's three rows, as a share of it: the judge's
   * read and verdict write, the ledger's read of the tracking code and log nodes, the token's roll
   * read, receipt look-ups. Not measured by the suite: a stated margin of 100 %.
   */
  cassandraOtherWork: 1,
  /** Per-row and per-cell storage overhead in Cassandra (row header, clustering, timestamps). */
  cassandraRowOverheadBytes: 30,
  cassandraCellOverheadBytes: 12,
  /** A stored verdict (docs/storage.md: "~150 bytes"). */
  verdictBytes: 150,
  /** The roll: two rows per registered voter (roll_voters, roll_positions), each about this. */
  rollRowBytes: 80,
  /** Ledger memory per ballot of an open election (deploy/k8s/README.md "Sizes"). */
  ledgerBytesPerBallot: 100,
  /** HTTP/1.1 request and response headers of a cast (Authorization aside), and TLS framing. */
  httpHeaderBytes: 400,
  tlsOverhead: 1.05,
  /** Cores of the tally node after close (issue 10's target: one 16-core node, ≤ 10 minutes). */
  tallyCores: 16,
});

/**
 * The scales. `window` is the voting window in hours; `busiestHourShare` the share of all casts
 * in the busiest hour (1 for a one-hour profile); casts = voters × turnout × (1 + revotes).
 */
export const SCALES = Object.freeze([
  Object.freeze({
    id: 'city',
    title: 'city',
    voters: 1_000_000,
    turnout: 1,
    revotes: 0,
    busiestHourShare: 1,
    districts: 10,
    profile: '1 M voters cast within one hour',
  }),
  Object.freeze({
    id: 'province',
    title: 'province',
    voters: 10_000_000,
    turnout: 1,
    revotes: 0,
    busiestHourShare: 1,
    districts: 250,
    profile: '10 M voters cast within one hour',
  }),
  Object.freeze({
    id: 'national',
    title: 'national, multi-day',
    voters: 44_000_000,
    turnout: 0.771,
    revotes: 0.1,
    busiestHourShare: 0.034,
    districts: 3500,
    profile: "44 M voters, 77.1 % turnout, 10 % re-votes, Estonia's busiest hour (3.4 %)",
  }),
  Object.freeze({
    id: 'national-1h',
    title: 'national, one hour',
    voters: 44_000_000,
    turnout: 0.771,
    revotes: 0.1,
    busiestHourShare: 1,
    districts: 3500,
    profile: '44 M voters as above, all within one hour (an upper bound)',
  }),
]);

// ---------------------------------------------------------------------------------------------
// The bench JSON (`hanpyo bench suite`, tools/hanpyo/src/bench-suite.ts)

/** @param {unknown} v */
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** @param {unknown} v */
const positive = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * The figures the model reads, each found by its bench and the start of its name.
 * `normalize`: 'noble' — the figure's own baseline is noble's k·G, so rate = ratio × reference;
 * 'edge' — the edge benchmark's own noble measurement (`results.edge.nobleFixedBase`) scales it;
 * 'none' — a rate of this machine as measured (storage and hashing, no noble baseline).
 */
const FIGURES = Object.freeze([
  {
    id: 'encrypt',
    bench: 'crypto',
    prefix: 'encrypt+prove',
    normalize: 'noble',
    what: 'edge-mode encryption and proofs, per core',
  },
  {
    id: 'checks',
    bench: 'crypto',
    prefix: 'edge per-cast checks',
    normalize: 'noble',
    what: "the edge's per-cast checks alone, per core (the crypto bound)",
  },
  {
    id: 'edge',
    bench: 'edge',
    prefix: 'edge + Kafka: casts per CPU-second',
    normalize: 'edge',
    what: 'client-mode casts per CPU-second of the whole edge process',
  },
  {
    id: 'persister',
    bench: 'persister',
    prefix: 'persister write path',
    normalize: 'none',
    what: 'board entries into Cassandra (3 rows each), persister and Cassandra on the same cores',
  },
  {
    id: 'ledger',
    bench: 'ledger',
    prefix: "block of 1,000,000 leaves, ledger's MerkleLog",
    normalize: 'none',
    what: "leaves into the ledger's district logs, one thread",
  },
  {
    id: 'observer',
    bench: 'observer',
    prefix: 'observer verification, 1 worker',
    normalize: 'noble',
    what: "the observer's replay with every ballot check, one worker",
  },
  {
    id: 'judge',
    bench: 'tally',
    prefix: 'judging while voting runs (prejudge), 1 thread',
    normalize: 'noble',
    what: "the registrar's judge, one thread",
  },
  {
    id: 'tally',
    bench: 'tally',
    prefix: 'tally after close, verdicts stored, 1 thread',
    normalize: 'noble',
    what: 'the tally after close with stored verdicts, one thread',
  },
  {
    id: 'recheck',
    bench: 'tally',
    prefix: 'registrar pool, 1 thread',
    normalize: 'noble',
    what: 'the tally re-checking every proof, one thread',
  },
]);

/**
 * Parses and checks the suite's JSON; throws CapacityInputError naming the source and the field.
 * @param {string} text
 * @param {string} source   a file name, for the message
 */
export function readBench(text, source) {
  let json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CapacityInputError(`${source}: not JSON (${/** @type {Error} */ (e).message})`);
  }
  if (!isObject(json) || json.suite !== 'suite')
    throw new CapacityInputError(
      `${source}: not a bench suite JSON (expected {"suite":"suite", …} from npm run bench)`,
    );
  if (typeof json.at !== 'string' || Number.isNaN(Date.parse(json.at)))
    throw new CapacityInputError(`${source}: "at" must be the run's ISO time`);
  if (!Number.isSafeInteger(json.cores) || json.cores < 1)
    throw new CapacityInputError(`${source}: "cores" must be a positive integer`);
  if (!Array.isArray(json.figures))
    throw new CapacityInputError(`${source}: "figures" must be an array`);
  json.figures.forEach((f, i) => {
    const where = `${source}: figures[${i}]`;
    if (!isObject(f) || typeof f.bench !== 'string' || typeof f.name !== 'string')
      throw new CapacityInputError(`${where}: needs "bench" and "name"`);
    if (!positive(f.value)) throw new CapacityInputError(`${where} (${f.name}): bad "value"`);
    if (!isObject(f.baseline) || !positive(f.baseline.value))
      throw new CapacityInputError(`${where} (${f.name}): bad "baseline.value"`);
  });
  return json;
}

/**
 * Per-core rates from the suite, each with its figure: `{id, what, figure, measured, unit,
 * baseline, ratio, perCore}`; perCore is per reference core where the figure has a noble baseline.
 * @param {ReturnType<typeof readBench>} bench
 * @param {number} referenceBaseline
 * @param {string} source
 */
export function perCoreRates(bench, referenceBaseline, source) {
  /** @type {Record<string, {id: string, what: string, figure: string, bench: string, measured: number, unit: string, baselineName: string, baseline: number, ratio: number, perCore: number, basis: string}>} */
  const rates = {};
  for (const spec of FIGURES) {
    const f = bench.figures.find((x) => x.bench === spec.bench && x.name.startsWith(spec.prefix));
    if (!f)
      throw new CapacityInputError(
        `${source}: no ${spec.bench} figure '${spec.prefix}…' (a partial run? the model needs every benchmark)`,
      );
    let baselineName = `${f.baseline.name} ${f.baseline.unit}`;
    let baseline = f.baseline.value;
    let perCore;
    let basis;
    switch (spec.normalize) {
      case 'noble':
        perCore = (f.value / baseline) * referenceBaseline;
        basis = `${fmt(f.value / baseline, 4)} × ${fmt(referenceBaseline)}`;
        break;
      case 'edge': {
        const noble = bench.results?.edge?.nobleFixedBase;
        if (!positive(noble))
          throw new CapacityInputError(`${source}: results.edge.nobleFixedBase missing or bad`);
        baselineName = 'noble fixed-base k·G in the edge benchmark, mult/s';
        baseline = noble;
        perCore = (f.value / noble) * referenceBaseline;
        basis = `${fmt(f.value / noble, 4)} × ${fmt(referenceBaseline)}`;
        break;
      }
      case 'none':
        // Storage and hashing figures: the whole machine's cores ran them (client and server).
        perCore = spec.id === 'persister' ? f.value / bench.cores : f.value;
        basis = spec.id === 'persister' ? `${fmt(f.value)} / ${bench.cores} cores` : 'as measured';
        break;
    }
    rates[spec.id] = {
      id: spec.id,
      what: spec.what,
      figure: f.name,
      bench: spec.bench,
      measured: f.value,
      unit: f.unit,
      baselineName,
      baseline,
      ratio: f.value / baseline,
      perCore,
      basis,
    };
  }
  const http = bench.results?.edge?.http?.edge?.perCpuSecond;
  const noble = bench.results.edge.nobleFixedBase;
  if (!positive(http))
    throw new CapacityInputError(`${source}: results.edge.http.edge.perCpuSecond missing or bad`);
  rates.http = {
    id: 'http',
    what: "one more request through the edge's HTTP stack (edge mode's encrypt call), per CPU-second",
    figure: 'edge HTTP alone (results.edge.http.edge.perCpuSecond)',
    bench: 'edge',
    measured: http,
    unit: 'req/CPU-s',
    baselineName: 'noble fixed-base k·G in the edge benchmark, mult/s',
    baseline: noble,
    ratio: http / noble,
    perCore: (http / noble) * referenceBaseline,
    basis: `${fmt(http / noble, 4)} × ${fmt(referenceBaseline)}`,
  };
  return rates;
}

// ---------------------------------------------------------------------------------------------
// The model

/** A number for the document: thousands separated, `digits` decimals. */
export function fmt(n, digits = 0) {
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
/** Bytes as GiB/TiB with 2–3 significant digits. */
export function fmtBytes(b) {
  const gib = b / 2 ** 30;
  if (gib >= 1024) return `${fmt(gib / 1024, gib >= 10240 ? 1 : 2)} TiB`;
  if (gib >= 1) return `${fmt(gib, gib >= 100 ? 0 : 1)} GiB`;
  return `${fmt(b / 2 ** 20, 0)} MiB`;
}
const up = (x) => Math.ceil(x - 1e-9);

/**
 * The rates of one scale: casts, the busiest hour's mean, the burst, and the rate of the rest of
 * the busiest hour after the burst (what a lagging consumer catches up against).
 */
export function scaleRates(scale, a = ASSUMPTIONS) {
  const casts = scale.voters * scale.turnout * (1 + scale.revotes);
  const inBusiestHour = casts * scale.busiestHourShare;
  const hourMean = inBusiestHour / 3600;
  const burst = hourMean * a.burstFactor;
  const rest = (inBusiestHour - burst * a.burstSeconds) / (3600 - a.burstSeconds);
  return { casts, inBusiestHour, hourMean, burst, rest };
}

/**
 * Backlog a consumer sized for `capacity` ballots/s builds during the burst, and the minutes it
 * needs to catch up afterwards against the rest of the hour.
 */
export function lag(capacity, r, a = ASSUMPTIONS) {
  const backlog = Math.max(0, (r.burst - capacity) * a.burstSeconds);
  const drain = capacity - r.rest;
  return {
    backlog,
    catchUpMinutes: backlog === 0 ? 0 : drain > 0 ? backlog / drain / 60 : Infinity,
  };
}

/**
 * One scale's sizes. Components on the receipt's path (edge, Kafka) carry the burst; those behind
 * the board (persister, Cassandra, observer, judge) the busiest hour's mean, and lag in the burst.
 * @param {ReturnType<typeof perCoreRates>} rates
 * @param {{boardValue: number, boardKey: number, castBody: number, token: number, receipt: number,
 *   ballotJson: number, trackingCode: number, castSignature: number, electionIdBytes: number,
 *   districtIdBytes: number}} size
 * @param {(typeof SCALES)[number]} scale
 * @param {number} partitions   the board's partition count for this scale (partitionLayout)
 */
export function sizeScale(rates, size, scale, partitions, a = ASSUMPTIONS) {
  const r = scaleRates(scale, a);
  const H = a.cpuHeadroom;
  const RF = a.replicationFactor;
  /** @type {{component: string, quantity: string, formula: string, result: number, unit: string, key?: string}[]} */
  const rows = [];
  const row = (component, quantity, formula, result, unit, key) =>
    rows.push({ component, quantity, formula, result, unit, ...(key ? { key } : {}) });
  const rate = (id) => rates[id].perCore;

  // Edge: client-mode casts at the bench's rate; edge mode adds an encryption and a request.
  const clientCpu = 1 / rate('edge');
  const edgeModeCpu = clientCpu + 1 / rate('encrypt') + 1 / rate('http');
  const mixCpu = (1 - a.edgeModeShare) * clientCpu + a.edgeModeShare * edgeModeCpu;
  const edgeClientCores = r.burst * clientCpu * H;
  const edgeCores = r.burst * mixCpu * H;
  row(
    'edge',
    'cores, client mode only',
    `${fmt(r.burst)}/s ÷ ${fmt(rate('edge'))} casts/s per core × ${H}`,
    edgeClientCores,
    'cores',
    'edgeClientCores',
  );
  row(
    'edge',
    `cores, ${fmt(a.edgeModeShare * 100)} % edge mode (sized)`,
    `${fmt(r.burst)}/s × (1/${fmt(rate('edge'))} + ${a.edgeModeShare} × (1/${fmt(rate('encrypt'))} + 1/${fmt(rate('http'))})) × ${H}`,
    edgeCores,
    'cores',
    'edgeCores',
  );

  // Kafka: the board's partitions, broker CPU, disk.
  const record = size.boardValue + size.boardKey + a.kafkaRecordOverheadBytes;
  const sizeFactor = record / a.kafkaMeasuredMessageBytes;
  const groups = 1 + a.observers;
  const brokerMicros =
    RF * a.kafkaProduceMicroseconds * sizeFactor +
    (RF - 1 + groups) * a.kafkaConsumeMicroseconds * sizeFactor;
  const kafkaCores = (r.burst * brokerMicros * H) / 1e6;
  row(
    'Kafka',
    'board partitions',
    `partitionLayout of ${fmt(scale.districts)} districts`,
    partitions,
    'partitions',
    'partitions',
  );
  row(
    'Kafka',
    'broker cores',
    `${fmt(r.burst)}/s × (${RF} × ${a.kafkaProduceMicroseconds} + ${RF - 1 + groups} × ${a.kafkaConsumeMicroseconds}) µs × ${fmt(sizeFactor, 2)} × ${H}`,
    kafkaCores,
    'cores',
    'kafkaCores',
  );
  const kafkaDisk = r.casts * record * RF * a.diskHeadroom;
  row(
    'Kafka',
    'disk, all brokers',
    `${fmt(r.casts)} × ${fmt(record)} B × RF ${RF} × ${a.diskHeadroom}`,
    kafkaDisk,
    'bytes',
    'kafkaDisk',
  );
  const brokers = Math.max(a.zones, RF);
  row(
    'Kafka',
    'brokers (at least)',
    `max(zones ${a.zones}, RF ${RF})`,
    brokers,
    'brokers',
    'kafkaBrokers',
  );

  // Persister and Cassandra: behind the board, the busiest hour's mean.
  const persisterCores = (r.hourMean / rate('persister')) * H;
  row(
    'persister',
    'cores',
    `${fmt(r.hourMean)}/s ÷ ${fmt(rate('persister'))} entries/s per core × ${H}`,
    persisterCores,
    'cores',
    'persisterCores',
  );
  const cassandraCores = ((r.hourMean * RF * (1 + a.cassandraOtherWork)) / rate('persister')) * H;
  row(
    'Cassandra',
    'cores, all nodes',
    `${fmt(r.hourMean)}/s × RF ${RF} × (1 + ${a.cassandraOtherWork}) ÷ ${fmt(rate('persister'))} per core × ${H}`,
    cassandraCores,
    'cores',
    'cassandraCores',
  );
  const cells = (n) => n * a.cassandraCellOverheadBytes + a.cassandraRowOverheadBytes;
  const keyBytes = size.electionIdBytes + 4 + 8 + 8; // election, partition, bucket, offset
  const boardRow =
    keyBytes +
    size.districtIdBytes +
    size.trackingCode +
    43 + // nullifier, base64url text (32 bytes)
    8 + // received_at
    size.ballotJson +
    size.token +
    size.castSignature +
    cells(8);
  const receiptRow =
    size.electionIdBytes + size.trackingCode + 4 + 8 + size.districtIdBytes + 8 + cells(4);
  const voterRow = size.electionIdBytes + 43 + 4 + 8 + size.trackingCode + cells(3);
  const verdictRow = keyBytes + 32 + a.verdictBytes + cells(2);
  const logNodes = 2 * (size.electionIdBytes + size.districtIdBytes + 4 + 8 + 8 + 32 + cells(1));
  const perBallot = boardRow + receiptRow + voterRow + verdictRow + logNodes;
  row(
    'Cassandra',
    'bytes per ballot (5 tables)',
    `board ${fmt(boardRow)} + receipt ${fmt(receiptRow)} + voter ${fmt(voterRow)} + verdict ${fmt(verdictRow)} + log nodes ${fmt(logNodes)}`,
    perBallot,
    'B',
    'cassandraBytesPerBallot',
  );
  const cassandraDisk =
    (r.casts * perBallot + scale.voters * 2 * a.rollRowBytes) * RF * a.diskHeadroom;
  row(
    'Cassandra',
    'disk, all nodes',
    `(${fmt(r.casts)} × ${fmt(perBallot)} B + roll ${fmt(scale.voters)} × 2 × ${a.rollRowBytes} B) × RF ${RF} × ${a.diskHeadroom}`,
    cassandraDisk,
    'bytes',
    'cassandraDisk',
  );
  row(
    'Cassandra',
    'nodes (at least)',
    `max(racks ${a.zones}, RF ${RF})`,
    Math.max(a.zones, RF),
    'nodes',
    'cassandraNodes',
  );
  const storeLag = lag(r.hourMean * H, r, a);
  row(
    'Cassandra',
    'lag after the burst',
    `backlog ${fmt(storeLag.backlog)} ballots, drained at ${fmt(r.hourMean * H)} − ${fmt(r.rest)}/s`,
    storeLag.catchUpMinutes,
    'minutes',
  );

  // Ledger.
  const blockSeconds = r.inBusiestHour / rate('ledger');
  row(
    'ledger',
    "busiest hour's block, one core",
    `${fmt(r.inBusiestHour)} leaves ÷ ${fmt(rate('ledger'))} leaves/s`,
    blockSeconds,
    'seconds',
  );
  row(
    'ledger',
    'memory',
    `${fmt(r.casts)} × ${a.ledgerBytesPerBallot} B`,
    r.casts * a.ledgerBytesPerBallot,
    'bytes',
    'ledgerMemory',
  );

  // Observer (each witness), registrar judge (each replica).
  const observerCores = (r.hourMean / rate('observer')) * H;
  row(
    'observer',
    'cores, each observer',
    `${fmt(r.hourMean)}/s ÷ ${fmt(rate('observer'))} ballots/s per core × ${H}`,
    observerCores,
    'cores',
    'observerCores',
  );
  const observerLag = lag(r.hourMean * H, r, a);
  row(
    'observer',
    'lag after the burst',
    `backlog ${fmt(observerLag.backlog)} ballots`,
    observerLag.catchUpMinutes,
    'minutes',
  );
  const judgeThreads = (r.hourMean / rate('judge')) * H;
  row(
    'registrar',
    'judge threads, each replica',
    `${fmt(r.hourMean)}/s ÷ ${fmt(rate('judge'))} ballots/s per thread × ${H}`,
    judgeThreads,
    'threads',
    'judgeThreads',
  );

  // Tally after close, on one node of `tallyCores`.
  row(
    'tally',
    `after close, ${a.tallyCores} cores, verdicts stored`,
    `${fmt(r.casts)} ÷ (${a.tallyCores} × ${fmt(rate('tally'))}/s) ÷ 60`,
    r.casts / (a.tallyCores * rate('tally')) / 60,
    'minutes',
    'tallyMinutes',
  );
  row(
    'tally',
    `re-checking every proof, ${a.tallyCores} cores`,
    `${fmt(r.casts)} ÷ (${a.tallyCores} × ${fmt(rate('recheck'))}/s) ÷ 60`,
    r.casts / (a.tallyCores * rate('recheck')) / 60,
    'minutes',
  );

  // Network at the burst, bits per second.
  const ingress =
    (size.castBody + size.token + size.receipt + a.httpHeaderBytes) * a.tlsOverhead * r.burst * 8;
  row(
    'network',
    'voters → edge (cast and receipt)',
    `${fmt(r.burst)}/s × (${fmt(size.castBody)} + ${fmt(size.token)} + ${fmt(size.receipt)} + ${a.httpHeaderBytes}) B × ${a.tlsOverhead} × 8`,
    ingress,
    'bit/s',
    'ingress',
  );
  const kafkaNet = record * r.burst * (1 + (RF - 1) + groups) * 8;
  row(
    'network',
    'Kafka in, replication and consumers',
    `${fmt(r.burst)}/s × ${fmt(record)} B × (1 + ${RF - 1} + ${groups}) × 8`,
    kafkaNet,
    'bit/s',
    'kafkaNetwork',
  );
  const cassandraNet = (boardRow + receiptRow + voterRow + verdictRow) * r.hourMean * RF * 8;
  row(
    'network',
    'Cassandra writes (to RF replicas)',
    `${fmt(r.hourMean)}/s × ${fmt(boardRow + receiptRow + voterRow + verdictRow)} B × ${RF} × 8`,
    cassandraNet,
    'bit/s',
  );

  return { scale, rates: r, rows };
}

/** The rounded sizes of a scale, for the summary and the overlay check. */
export function requirements(sized) {
  const get = (key) => {
    const row = sized.rows.find((x) => x.key === key);
    if (!row) throw new Error(`no row '${key}'`);
    return row.result;
  };
  return {
    edgeCores: up(get('edgeCores')),
    edgeClientCores: up(get('edgeClientCores')),
    partitions: get('partitions'),
    kafkaBrokers: get('kafkaBrokers'),
    kafkaCores: up(get('kafkaCores')),
    kafkaDisk: get('kafkaDisk'),
    persisterCores: up(get('persisterCores')),
    cassandraNodes: get('cassandraNodes'),
    cassandraCores: up(get('cassandraCores')),
    cassandraDisk: get('cassandraDisk'),
    observerCores: up(get('observerCores')),
    judgeThreads: up(get('judgeThreads')),
    ledgerMemory: get('ledgerMemory'),
    tallyMinutes: get('tallyMinutes'),
    ingress: get('ingress'),
    kafkaNetwork: get('kafkaNetwork'),
  };
}

/**
 * Node shapes per scale (CPU per pod or node, the largest disk per node): the summary turns cores
 * and bytes into counts with them. Brokers and Cassandra nodes come in multiples of the zones.
 */
export const SHAPES = Object.freeze({
  city: {
    edgeCpu: 2,
    persisterCpu: 1,
    brokerCpu: 2,
    brokerDisk: 4 * 2 ** 40,
    nodeCpu: 4,
    nodeDisk: 2 * 2 ** 40,
  },
  province: {
    edgeCpu: 4,
    persisterCpu: 2,
    brokerCpu: 4,
    brokerDisk: 4 * 2 ** 40,
    nodeCpu: 8,
    nodeDisk: 2 * 2 ** 40,
  },
  national: {
    edgeCpu: 4,
    persisterCpu: 2,
    brokerCpu: 4,
    brokerDisk: 4 * 2 ** 40,
    nodeCpu: 8,
    nodeDisk: 2 * 2 ** 40,
  },
  'national-1h': {
    edgeCpu: 8,
    persisterCpu: 2,
    brokerCpu: 8,
    brokerDisk: 4 * 2 ** 40,
    nodeCpu: 16,
    nodeDisk: 2 * 2 ** 40,
  },
});

/** Counts of pods and nodes of a scale at its shapes. */
export function counts(req, shape, a = ASSUMPTIONS) {
  const zonesUp = (n) => Math.ceil(n / a.zones) * a.zones;
  const brokers = zonesUp(
    Math.max(
      req.kafkaBrokers,
      up(req.kafkaCores / shape.brokerCpu),
      up(req.kafkaDisk / shape.brokerDisk),
    ),
  );
  const nodes = zonesUp(
    Math.max(
      req.cassandraNodes,
      up(req.cassandraCores / shape.nodeCpu),
      up(req.cassandraDisk / shape.nodeDisk),
    ),
  );
  return {
    edgePods: Math.max(a.zones, up(req.edgeCores / shape.edgeCpu)),
    persisters: Math.max(2, up(req.persisterCores / shape.persisterCpu)),
    brokers,
    brokerDisk: req.kafkaDisk / brokers,
    nodes,
    nodeDisk: req.cassandraDisk / nodes,
  };
}
