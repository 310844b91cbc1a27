// Structured logs: one JSON object per line on stdout. Keys that could carry a selection, a token,
// a nonce or a secret are redacted wherever they appear, so a careless field cannot leak one.
import type { LoggerService } from '@nestjs/common';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|authorization|selection|nonce|secret|share|seed|password|ballot$/i;

/** Replaces values under secret-looking keys, recursively. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/** The structured logger every service and adapter writes to. */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: Level = 'info',
    private readonly write: (line: string) => void = (line) => process.stdout.write(line),
  ) {}

  private emit(level: Level, message: unknown, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const msg = message instanceof Error ? message.message : String(message);
    const extra = fields ? (redact(fields) as Record<string, unknown>) : {};
    this.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, service: this.service, msg, ...extra })}\n`,
    );
  }

  debug(message: unknown, fields?: Record<string, unknown>): void {
    this.emit('debug', message, fields);
  }
  info(message: unknown, fields?: Record<string, unknown>): void {
    this.emit('info', message, fields);
  }
  warn(message: unknown, fields?: Record<string, unknown>): void {
    this.emit('warn', message, fields);
  }
  error(message: unknown, fields?: Record<string, unknown>): void {
    this.emit('error', message, fields);
  }

  // LoggerService (Nest's own messages): the optional params are a context string or a stack.
  log(message: unknown, ...params: unknown[]): void {
    this.emit('info', message, nestFields(params));
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, nestFields(params));
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, nestFields(params));
  }
}

function nestFields(params: unknown[]): Record<string, unknown> | undefined {
  const context = params.find((p) => typeof p === 'string');
  return context ? { context } : undefined;
}
