// The checks run after each chaos scenario, over one election of the chaos stack. Each one calls
// the project's own verification, never a copy of it:
//
//   receipts   `hanpyo audit`'s auditReceipts (run by the load runner after the final block):
//              every receipt on the board at its place, stored in Cassandra, proven in a signed
//              block; none duplicated on the board;
//   cassandra  every decodable board entry has exactly one board_entries row with its tracking
//              code, and no tracking code has two rows (@hanpyo/cassandra readBoardRange);
//   chain      @hanpyo/ledger BlockReplayer over the ledger's blocks and the board read from Kafka:
//              chain rules, hash links, cuts, district roots, counts, every signature; no leaf
//              twice; every board entry inside a cut;
//   rebuild    @hanpyo/ledger BlockBuilder rebuilds every block from the board and its cuts (what
//              a restarted ledger does): each must hash to the ledger's block, i.e. be
//              byte-identical in its canonical form;
//   blocks     the blocks topic holds one block per height (a copy of the same block is tolerated,
//              two different blocks at one height are a fork);
//   cosigned   the final block, cut after the fault, carries the observer's verified signature.
//
// `verdict` and `failedChecks` are pure, for scripts/chaos.test.mjs.

/**
 * The verdict of one scenario's checks: ok only when every check is ok and the run issued
 * receipts and no 500s.
 * @param {Record<string, { ok: boolean }>} checks
 * @param {{ receipts: number, status500: number }} figures
 */
export function verdict(checks, figures) {
  const failed = failedChecks(checks);
  if (figures.receipts === 0) failed.push('load');
  if (figures.status500 > 0) failed.push('no500');
  return { ok: failed.length === 0, failed };
}

/**
 * The names of the checks that are not ok (a missing or malformed check counts as failed).
 * @param {Record<string, { ok: boolean } | undefined>} checks
 */
export function failedChecks(checks) {
  const required = ['receipts', 'cassandra', 'chain', 'rebuild', 'blocks', 'cosigned'];
  const failed = [];
  for (const name of new Set([...required, ...Object.keys(checks)]))
    if (checks[name]?.ok !== true) failed.push(name);
  return failed;
}

/**
 * The receipts check from the load runner's audit: zero lost, duplicated, forged or unreadable,
 * and (the election closed, the final block cut) every receipt included.
 * @param {{ ok: boolean, counts: Record<string, number>, blocks: { final: boolean } }} audit
 * @param {number} receipted
 */
export function receiptsCheck(audit, receipted) {
  const c = audit.counts;
  return {
    ok:
      audit.ok &&
      audit.blocks.final &&
      c.included === receipted &&
      c.lost === 0 &&
      c.duplicated === 0 &&
      c.pending === 0,
    receipts: receipted,
    included: c.included,
    lost: c.lost,
    duplicated: c.duplicated,
    pending: c.pending,
    refused: c.refused,
    forged: c.forged,
    unreadable: c.unreadable,
  };
}

/** A signal that aborts a request after `ms` (AbortSignal.timeout, from the globals lint allows). */
export function timeoutSignal(ms) {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms).unref();
  return controller.signal;
}

const json = async (url, init) => {
  const r = await fetch(url, { signal: timeoutSignal(10_000), ...init });
  if (!r.ok) throw Object.assign(new Error(`${url}: HTTP ${r.status}`), { status: r.status });
  return r.json();
};

/** The libs, loaded when a check first runs (the unit tests of the pure part need no build). */
async function libs() {
  const [ledger, contracts, crypto, kafka, cassandra] = await Promise.all([
    import('@hanpyo/ledger'),
    import('@hanpyo/contracts'),
    import('@hanpyo/crypto'),
    import('@hanpyo/kafka'),
    import('@hanpyo/cassandra'),
  ]);
  return { ledger, contracts, crypto, kafka, cassandra };
}

/** Every message of a topic (its own consumer group, deleted after). */
async function readTopic(kafkaLib, kafka, topic) {
  const out = [];
  await kafkaLib.scanTopic(kafka, topic, (m) => out.push(m), { idleMs: 20_000 });
  return out;
}

/** The election's signed blocks 1..latest from the ledger. */
async function ledgerBlocks(ledgerUrl, electionId) {
  const base = `${ledgerUrl}/v1/elections/${encodeURIComponent(electionId)}`;
  const latest = await json(`${base}/blocks/latest`);
  const blocks = [];
  for (let h = 1; h < latest.block.height; h++) blocks.push(await json(`${base}/blocks/${h}`));
  blocks.push(latest);
  return blocks;
}

/**
 * The final block's signatures once they include `witnessKeyId`, verified (waits up to `ms`).
 * @returns {Promise<{ ok: boolean, height: number | null, witnesses: string[], waitedMs: number }>}
 */
async function awaitCosigned(L, ledgerUrl, electionId, manifest, witnessKeyId, ms) {
  const base = `${ledgerUrl}/v1/elections/${encodeURIComponent(electionId)}`;
  const t0 = Date.now();
  let last = { ok: false, height: null, witnesses: [], waitedMs: 0 };
  while (Date.now() - t0 <= ms) {
    const signed = await json(`${base}/blocks/latest`).catch(() => undefined);
    if (signed) {
      const report = L.verifyBlockSignatures(signed, manifest);
      last = {
        ok: report.valid && signed.block.final && report.witnesses.includes(witnessKeyId),
        height: signed.block.height,
        final: signed.block.final,
        witnesses: [...report.witnesses],
        waitedMs: Date.now() - t0,
      };
      if (last.ok) return last;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

/**
 * Runs the cassandra, chain, rebuild, blocks and cosigned checks over one closed election whose
 * final block is cut. `env` is the stack's (Kafka and Cassandra settings).
 * @param {{ electionId: string, local: { registrar: { url: string }, ledger: { url: string } }, witnessKeyId: string, cosignWaitMs?: number }} options
 */
export async function inspectElection({ electionId, local, witnessKeyId, cosignWaitMs = 30_000 }) {
  const { ledger: L, contracts: C, crypto: X, kafka: K, cassandra: S } = await libs();
  const id = encodeURIComponent(electionId);
  const view = await json(`${local.registrar.url}/v1/elections/${id}`);
  const manifest = C.parseManifest(view.manifest);
  const ceremony = C.parseCeremony(view.ceremony);
  const genesisHash = X.toHex(
    X.electionBaseHash(X.manifestHash(manifest), X.pointFromText(ceremony.jointPublicKey)),
  );

  // The board and the blocks topic, read whole from Kafka at once.
  const kafkaConfig = K.kafkaConfigFromEnv(process.env);
  const kafka = K.createKafka(kafkaConfig);
  const topics = K.topicNames(kafkaConfig, electionId);
  const [boardMessages, blockMessages] = await Promise.all([
    readTopic(K, kafka, topics.ballots),
    readTopic(K, kafka, topics.blocks),
  ]);
  const entries = [];
  let undecodable = 0;
  for (const m of boardMessages) {
    const d = C.decodeBoardMessage(m);
    if (d.ok) entries.push(L.ledgerEntry(d.entry));
    else undecodable++;
  }
  const byPartition = new Map();
  for (const e of entries) {
    if (!byPartition.has(e.partition)) byPartition.set(e.partition, []);
    byPartition.get(e.partition).push(e);
  }
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);

  // blocks: one block per height on the topic.
  const hashesAt = new Map();
  for (const m of blockMessages) {
    const signed = C.parseSignedBlock(JSON.parse(Buffer.from(m.value).toString('utf8')));
    const h = signed.block.height;
    if (!hashesAt.has(h)) hashesAt.set(h, []);
    hashesAt.get(h).push(L.blockHash(signed.block));
  }
  const forks = [...hashesAt].filter(([, hs]) => new Set(hs).size > 1).map(([h]) => h);
  const copies = [...hashesAt.values()].reduce((n, hs) => n + hs.length - new Set(hs).size, 0);
  const blocksCheck = {
    ok: forks.length === 0,
    messages: blockMessages.length,
    heights: hashesAt.size,
    forkedHeights: forks,
    identicalCopies: copies,
  };

  // chain and rebuild: the ledger's blocks replayed and rebuilt over the board.
  const signedBlocks = await ledgerBlocks(local.ledger.url, electionId);
  const replayer = new L.BlockReplayer({ manifest, genesisHash });
  const builder = new L.BlockBuilder({ manifest, genesisHash });
  const failures = [];
  const mismatched = [];
  const leafCodes = new Set();
  let leaves = 0;
  let duplicateLeaves = 0;
  const covered = new Map();
  for (const signed of signedBlocks) {
    const { block } = signed;
    const inside = [];
    for (const cut of block.cuts) {
      for (const e of byPartition.get(cut.partition) ?? [])
        if (e.offset >= cut.fromOffset && e.offset < cut.toOffset) inside.push(e);
      covered.set(cut.partition, cut.toOffset);
    }
    for (const e of inside) {
      leaves++;
      if (leafCodes.has(e.trackingCode)) duplicateLeaves++;
      leafCodes.add(e.trackingCode);
    }
    failures.push(...replayer.replay(block, inside, signed.signatures));
    try {
      const rebuilt = builder.buildBlock(block.cuts, inside, {
        closedAt: block.closedAt,
        final: block.final,
      });
      if (rebuilt.blockHash !== L.blockHash(block)) mismatched.push(block.height);
    } catch (e) {
      mismatched.push(block.height);
      failures.push({ height: block.height, code: 'REBUILD_FAILED', message: e.message });
    }
  }
  failures.push(...replayer.finish({ requireFinal: true }));
  let uncovered = 0;
  for (const [p, list] of byPartition)
    uncovered += list.filter((e) => e.offset >= (covered.get(p) ?? 0)).length;
  const final = signedBlocks[signedBlocks.length - 1]?.block;
  const chain = {
    ok: failures.length === 0 && duplicateLeaves === 0 && uncovered === 0 && final?.final === true,
    blocks: signedBlocks.length,
    finalHeight: final?.final ? final.height : null,
    leaves,
    duplicateLeaves,
    uncoveredEntries: uncovered,
    failures: failures
      .slice(0, 10)
      .map((f) => ({ height: f.height, code: f.code, message: f.message })),
  };
  const rebuild = {
    ok: mismatched.length === 0,
    blocks: signedBlocks.length,
    mismatchedHeights: mismatched,
  };

  // cassandra: one row per board entry, no tracking code twice.
  const config = S.cassandraConfigFromEnv(process.env);
  const client = S.createCassandraClient(config);
  let rows = 0;
  let missing = 0;
  let differing = 0;
  let duplicateRows = 0;
  const rowCodes = new Set();
  try {
    for (const [partition, list] of byPartition) {
      const end = list[list.length - 1].offset + 1;
      const stored = new Map();
      for (const [from, to] of S.boardRanges(0, end))
        for (const r of await S.readBoardRange({ client, config }, electionId, partition, from, to))
          stored.set(r.offset, r.trackingCode);
      for (const e of list) {
        const code = stored.get(e.offset);
        if (code === undefined) missing++;
        else if (code !== e.trackingCode) differing++;
      }
      for (const code of stored.values()) {
        if (code === null) continue; // a placeholder row of a dead-lettered message
        rows++;
        if (rowCodes.has(code)) duplicateRows++;
        rowCodes.add(code);
      }
    }
  } finally {
    await client.shutdown();
  }
  const cassandra = {
    ok: missing === 0 && differing === 0 && duplicateRows === 0,
    boardEntries: entries.length,
    undecodable,
    rows,
    missing,
    differing,
    duplicateRows,
  };

  const cosigned = await awaitCosigned(
    L,
    local.ledger.url,
    electionId,
    manifest,
    witnessKeyId,
    cosignWaitMs,
  );
  return { cassandra, chain, rebuild, blocks: blocksCheck, cosigned };
}
