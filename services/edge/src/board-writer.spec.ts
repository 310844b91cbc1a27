// BoardWriter: batching, per-partition offset arithmetic, failure fan-out, bounds and timeouts,
// against a fake broker that keeps a log per partition, so every receipt place can be checked
// against what was actually "written".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BoardWriter, BoardWriterError } from './board-writer.js';
import type { BoardMessage, PartitionAck, SendBatch, Written } from './board-writer.js';

const APPEND_TIME = Date.UTC(2030, 0, 1, 9, 0, 0, 123);

/** A broker: per topic and partition an append-only log; acks as kafkajs reports them. */
function fakeBroker(options: { delayMs?: number; logAppendTime?: string } = {}) {
  const logs = new Map<string, Map<number, BoardMessage[]>>();
  const requests: { topic: string; size: number }[] = [];
  const active = new Map<string, number>();
  let maxActivePerTopic = 0;
  let maxActive = 0;
  let failNext: Error | undefined;
  const send: SendBatch = async (topic, messages) => {
    requests.push({ topic, size: messages.length });
    active.set(topic, (active.get(topic) ?? 0) + 1);
    maxActivePerTopic = Math.max(maxActivePerTopic, active.get(topic)!);
    maxActive = Math.max(
      maxActive,
      [...active.values()].reduce((a, b) => a + b, 0),
    );
    await sleep(options.delayMs ?? 1);
    active.set(topic, active.get(topic)! - 1);
    if (failNext) {
      const e = failNext;
      failNext = undefined;
      throw e;
    }
    const log = logs.get(topic) ?? new Map<number, BoardMessage[]>();
    logs.set(topic, log);
    const acks = new Map<number, PartitionAck>();
    for (const m of messages) {
      const partition = log.get(m.partition) ?? [];
      log.set(m.partition, partition);
      if (!acks.has(m.partition)) {
        acks.set(m.partition, {
          partition: m.partition,
          baseOffset: String(partition.length),
          logAppendTime: options.logAppendTime ?? String(APPEND_TIME),
        });
      }
      partition.push(m);
    }
    return [...acks.values()];
  };
  return {
    send,
    logs,
    requests,
    get maxActivePerTopic() {
      return maxActivePerTopic;
    },
    get maxActive() {
      return maxActive;
    },
    failNext(e: Error) {
      failNext = e;
    },
  };
}

function message(partition: number, n: number): BoardMessage {
  return {
    partition,
    key: Buffer.alloc(32, n),
    value: Buffer.from(JSON.stringify({ n })),
    headers: { 'hanpyo-district': `d${partition}` },
    timestamp: String(APPEND_TIME - 5000),
  };
}

const writer = (
  send: SendBatch,
  options: Partial<ConstructorParameters<typeof BoardWriter>[0]> = {},
) =>
  new BoardWriter({
    send,
    lingerMs: 2,
    maxBatch: 500,
    maxQueued: 10_000,
    timeoutMs: 5000,
    ...options,
  });

describe('BoardWriter', () => {
  it('sends ballots that arrive together in one request and gives each its own offset', async () => {
    const broker = fakeBroker();
    const w = writer(broker.send);
    const sent = Array.from({ length: 10 }, (_, n) => message(n % 3, n));
    const written = await Promise.all(sent.map((m) => w.write('board', m)));
    assert.deepEqual(broker.requests, [{ topic: 'board', size: 10 }]);
    written.forEach((place, n) => {
      assert.equal(place.partition, sent[n]!.partition);
      // The record at the receipt's place is this caller's message, byte for byte.
      assert.equal(broker.logs.get('board')!.get(place.partition)![place.offset], sent[n]);
      assert.equal(place.receivedAt, new Date(APPEND_TIME).toISOString());
    });
    assert.equal(w.size, 0);
  });

  it('keeps one request in flight per topic, at most maxBatch each, and places every ballot right', async () => {
    const broker = fakeBroker({ delayMs: 3 });
    const w = writer(broker.send, { maxBatch: 7 });
    const sent: BoardMessage[] = [];
    const pending: Promise<Written>[] = [];
    // Ballots trickle in over several requests' worth of time, on two topics.
    for (let n = 0; n < 120; n++) {
      const m = message(n % 4, n);
      sent.push(m);
      pending.push(w.write(n % 2 === 0 ? 'a' : 'b', m));
      if (n % 10 === 9) await sleep(1);
    }
    const written = await Promise.all(pending);
    assert.equal(broker.maxActivePerTopic, 1);
    assert.ok(broker.requests.every((r) => r.size >= 1 && r.size <= 7));
    assert.equal(
      broker.requests.reduce((s, r) => s + r.size, 0),
      120,
    );
    assert.ok(broker.requests.length < 120, 'ballots were batched');
    const seen = new Set<string>();
    written.forEach((place, n) => {
      const topic = n % 2 === 0 ? 'a' : 'b';
      assert.equal(broker.logs.get(topic)!.get(place.partition)![place.offset], sent[n]);
      seen.add(`${topic}/${place.partition}/${place.offset}`);
    });
    assert.equal(seen.size, 120, 'no two ballots share a place');
  });

  it('sends different topics independently', async () => {
    const broker = fakeBroker({ delayMs: 5 });
    const w = writer(broker.send);
    await Promise.all([w.write('a', message(0, 1)), w.write('b', message(0, 2))]);
    assert.equal(broker.maxActive, 2);
  });

  it('gives every caller of a failed request the error, and goes on with the next request', async () => {
    const broker = fakeBroker();
    const w = writer(broker.send);
    const boom = Object.assign(new Error('broker gone'), { retriable: true });
    broker.failNext(boom);
    const results = await Promise.allSettled([1, 2, 3].map((n) => w.write('t', message(0, n))));
    assert.deepEqual(
      results.map((r) => r.status === 'rejected' && r.reason === boom),
      [true, true, true],
    );
    assert.equal(w.size, 0);
    const after = await w.write('t', message(0, 4));
    assert.equal(after.offset, 0, 'the failed batch left nothing on the log');
  });

  it('refuses with QUEUE_FULL beyond maxQueued, and takes ballots again once acknowledged', async () => {
    const broker = fakeBroker({ delayMs: 5 });
    const w = writer(broker.send, { maxQueued: 3 });
    const first = [1, 2, 3].map((n) => w.write('t', message(0, n)));
    await assert.rejects(
      w.write('t', message(0, 4)),
      (e: BoardWriterError) => e instanceof BoardWriterError && e.code === 'QUEUE_FULL',
    );
    await Promise.all(first);
    assert.equal((await w.write('t', message(0, 5))).offset, 3);
  });

  it('times out a caller, withdrawing a ballot that was not sent yet', async () => {
    let release!: (acks: PartitionAck[]) => void;
    const requests: number[] = [];
    const send: SendBatch = (_topic, messages) => {
      requests.push(messages.length);
      return new Promise((resolve) => (release = resolve));
    };
    // The writer's clock is the test's: the request's age is read, not raced against a timer.
    let clock = 1_000_000;
    const w = writer(send, { timeoutMs: 30, lingerMs: 0, now: () => clock });
    const inFlight = w.write('t', message(0, 1));
    while (requests.length === 0) await sleep(1); // the first ballot's request is in flight
    const waiting = w.write('t', message(0, 2)); // waits behind the request in flight
    const isTimeout = (e: BoardWriterError) =>
      e instanceof BoardWriterError && e.code === 'TIMEOUT';
    await assert.rejects(inFlight, isTimeout);
    await assert.rejects(waiting, isTimeout);
    assert.equal(w.size, 1, 'the sent ballot stays counted until its request ends');
    clock += 45;
    assert.equal(w.stalledFor(), 45, 'the request in flight has been waiting since it was sent');
    release([{ partition: 0, baseOffset: '0', logAppendTime: String(APPEND_TIME) }]);
    await sleep(5);
    assert.deepEqual(requests, [1], 'the withdrawn ballot was never sent');
    assert.equal(w.size, 0);
    assert.equal(w.stalledFor(), 0);
  });

  it("uses the message's own timestamp when the topic does not report an append time", async () => {
    const broker = fakeBroker({ logAppendTime: '-1' });
    const w = writer(broker.send);
    const place = await w.write('t', message(0, 1));
    assert.equal(place.receivedAt, new Date(APPEND_TIME - 5000).toISOString());
  });

  it('fails a caller whose partition the broker did not acknowledge', async () => {
    const send: SendBatch = () =>
      Promise.resolve([{ partition: 1, baseOffset: '7', logAppendTime: String(APPEND_TIME) }]);
    const w = writer(send);
    const [lost, placed] = await Promise.allSettled([
      w.write('t', message(0, 1)),
      w.write('t', message(1, 2)),
    ]);
    assert.ok(
      lost.status === 'rejected' &&
        lost.reason instanceof BoardWriterError &&
        lost.reason.code === 'ACK_MISSING',
    );
    assert.ok(placed.status === 'fulfilled' && placed.value.offset === 7);
  });

  it('once expedited sends at once, waiting and new ballots alike', async () => {
    const broker = fakeBroker();
    const w = writer(broker.send, { lingerMs: 60_000 });
    const waiting = w.write('t', message(0, 1));
    w.expedite();
    assert.equal((await waiting).offset, 0);
    assert.equal((await w.write('t', message(0, 2))).offset, 1);
    assert.deepEqual(
      broker.requests.map((r) => r.size),
      [1, 1],
    );
  });

  it('on close sends what waits without lingering, then refuses new ballots', async () => {
    const broker = fakeBroker();
    const w = writer(broker.send, { lingerMs: 60_000 });
    const pending = w.write('t', message(0, 1));
    await w.close(5000);
    assert.equal((await pending).offset, 0);
    await assert.rejects(
      w.write('t', message(0, 2)),
      (e: BoardWriterError) => e instanceof BoardWriterError && e.code === 'CLOSED',
    );
  });

  // A close that waited for the request would never end: the test's timeout is the hang guard.
  it(
    'does not let a request that never ends hold close beyond its grace period',
    { timeout: 10_000 },
    async () => {
      const w = writer(() => new Promise<PartitionAck[]>(() => undefined), {
        lingerMs: 0,
        timeoutMs: 20,
      });
      const timedOut = assert.rejects(
        w.write('t', message(0, 1)),
        (e: BoardWriterError) => e.code === 'TIMEOUT',
      );
      await sleep(2);
      await w.close(50);
      await timedOut;
    },
  );
});
