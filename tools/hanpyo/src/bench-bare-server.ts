// The baselines of `hanpyo bench edge` that run as their own process like the edge: a bare Fastify
// server with one route at the cast's path, the edge's body limit and Fastify's own JSON body
// parser. No Nest, no validation, no checks, no metrics, no logging. Prints {"port": N} on stdout
// once listening; stops on SIGTERM.
//
//   bench-bare-server.js <bodyLimit>
//     answers every cast as the edge answers one without a token (401 with a coded error body):
//     what HTTP and JSON parsing of a ballot-sized body cost on this machine.
//   bench-bare-server.js <bodyLimit> board <topic> <partitions>
//     writes each cast to `topic` as the edge writes a board message (key = the nullifier's bytes,
//     value = the JSON of the body and the token, the district header), through one idempotent
//     kafkajs producer with acks=all and one request in flight, group-committed (what arrives while
//     a request is out goes in the next), and answers 201 with a receipt-sized body: the floor of
//     any edge on Node, Fastify and kafkajs, since an edge must do at least this per cast. Kafka is
//     reached as every service reaches it (HANPYO_KAFKA_* variables).
import Fastify from 'fastify';
import {
  DISTRICT_HEADER,
  createBoardProducer,
  createKafka,
  kafkaConfigFromEnv,
} from '@hanpyo/kafka';

const bodyLimit = Number(process.argv[2] ?? 256 * 1024);
const mode = process.argv[3] === 'board' ? 'board' : 'refuse';
const app = Fastify({ logger: false, bodyLimit });
const json = 'application/json; charset=utf-8';

if (mode === 'refuse') {
  const refusal = JSON.stringify({
    error: {
      code: 'TOKEN_MISSING',
      message: 'send the voting token as Authorization: Bearer <token>',
    },
  });
  app.post('/v1/elections/:id/ballots', (request, reply) => {
    // As the edge: a JSON object body, else 400 (it never is here).
    const ok = typeof request.body === 'object' && request.body !== null;
    return reply
      .code(ok ? 401 : 400)
      .type(json)
      .send(ok ? refusal : '{"error":{"code":"REQUEST_INVALID","message":"not an object"}}');
  });
} else {
  const topic = process.argv[4] ?? '';
  const partitions = Number(process.argv[5] ?? 1);
  const producer = createBoardProducer(createKafka(kafkaConfigFromEnv(process.env)));
  await producer.connect();
  type Message = Parameters<typeof producer.send>[0]['messages'][number];
  const pending: { message: Message; done: (error?: unknown) => void }[] = [];
  let sending = false;
  const flush = async () => {
    sending = true;
    while (pending.length > 0) {
      const batch = pending.splice(0);
      try {
        await producer.send({ topic, acks: -1, messages: batch.map((p) => p.message) });
        for (const p of batch) p.done();
      } catch (e) {
        for (const p of batch) p.done(e);
      }
    }
    sending = false;
  };
  const write = (message: Message) =>
    new Promise<void>((resolve, reject) => {
      pending.push({
        message,
        done: (e) =>
          e === undefined
            ? resolve()
            : reject(e instanceof Error ? e : new Error('the board write failed')),
      });
      if (!sending) void flush();
    });
  // A receipt's size and shape (SPEC §7), with made-up values.
  const receipt = (offset: number) =>
    JSON.stringify({
      receipt: {
        electionId: 'bench',
        districtId: 'd-000',
        trackingCode: 'ab'.repeat(32),
        partition: 0,
        offset,
        receivedAt: new Date().toISOString(),
        keyId: 'edge-1',
        signature: 'x'.repeat(86),
      },
    });
  let written = 0;
  app.post('/v1/elections/:id/ballots', async (request, reply) => {
    const body = request.body as { ballot?: { nullifier?: unknown; districtId?: unknown } };
    const ballot = body?.ballot;
    if (typeof ballot?.nullifier !== 'string' || typeof ballot.districtId !== 'string')
      return reply.code(400).type(json).send('{"error":{"code":"BALLOT_INVALID"}}');
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    const key = Buffer.from(ballot.nullifier, 'base64url');
    await write({
      key,
      value: Buffer.from(JSON.stringify({ ...body, token }), 'utf8'),
      partition: (key[0] ?? 0) % partitions,
      headers: { [DISTRICT_HEADER]: ballot.districtId },
    });
    return reply.code(201).type(json).send(receipt(written++));
  });
  app.addHook('onClose', async () => producer.disconnect());
}

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
);
process.once('SIGTERM', () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
