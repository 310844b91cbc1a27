// Health probes that speak each server's own protocol, so the scripts need no client library:
// Kafka answers an ApiVersions request, Cassandra answers a CQL OPTIONS request with SUPPORTED.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';
import { connect as connectTls } from 'node:tls';

/**
 * Sends `request` to host:port (127.0.0.1 unless a cluster node's address) and resolves with the first `want` bytes of the reply, or
 * undefined on refusal, reset, or silence for `timeoutMs`. With `tls` (node:tls options, a CA for
 * one) it speaks TLS, and a certificate that does not verify is no reply.
 */
function exchange(port, request, want, timeoutMs, tls, host = '127.0.0.1') {
  return new Promise((resolvePromise) => {
    const socket = tls ? connectTls({ host, port, ...tls }) : connect({ host, port });
    const chunks = [];
    let length = 0;
    const finish = (value) => {
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(value);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once(tls ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= want) finish(Buffer.concat(chunks).subarray(0, want));
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
  });
}

/** Resolves true when something accepts TCP connections on host:port. */
export function tcpOpen(port, timeoutMs = 1000, host = '127.0.0.1') {
  return new Promise((resolvePromise) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(ok) {
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(ok);
    }
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Kafka: ApiVersions v0 (api key 18). Any well-formed reply with our correlation id means the
 * broker's request handlers are serving; a broker that dropped v0 still answers it (with
 * UNSUPPORTED_VERSION), which is just as good a sign of life. A SASL_SSL listener (`tls`) answers
 * it too, before any authentication (KIP-35).
 */
export async function probeKafka(port, timeoutMs = 2000, tls = undefined, host = '127.0.0.1') {
  const clientId = Buffer.from('hanpyo-infra');
  const correlationId = 0x68616e70; // "hanp"
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // api_key ApiVersions
  body.writeInt16BE(0, 2); // api_version
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  // Reply: int32 size, int32 correlation_id, int16 error_code, ...
  const reply = await exchange(port, Buffer.concat([size, body]), 10, timeoutMs, tls, host);
  return reply !== undefined && reply.readInt32BE(4) === correlationId;
}

/**
 * Cassandra: a native-protocol v4 OPTIONS frame (opcode 0x05); the server answers SUPPORTED
 * (opcode 0x06) in a response frame (version byte 0x84) once it accepts CQL clients, over TLS
 * (`tls`) too, before any authentication.
 */
export async function probeCassandra(port, timeoutMs = 2000, tls = undefined, host = '127.0.0.1') {
  const frame = Buffer.from([0x04, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00]);
  const reply = await exchange(port, frame, 9, timeoutMs, tls, host);
  return reply !== undefined && reply[0] === 0x84 && reply[4] === 0x06;
}
