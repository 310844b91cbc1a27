// The baseline of `hanpyo bench edge`'s HTTP figure, run as its own process like the edge: a bare
// Fastify server with one route at the cast's path, the edge's body limit, Fastify's own JSON body
// parser, and the answer the edge gives a cast without a token (401 with a coded error body). No
// Nest, no validation, no metrics, no logging: what HTTP and JSON parsing of a ballot-sized body cost
// on this machine. Prints {"port": N} on stdout once listening; stops on SIGTERM.
import Fastify from 'fastify';

const bodyLimit = Number(process.argv[2] ?? 256 * 1024);
const app = Fastify({ logger: false, bodyLimit });
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
    .type('application/json; charset=utf-8')
    .send(ok ? refusal : '{"error":{"code":"REQUEST_INVALID","message":"not an object"}}');
});
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
