// A pino-compatible subset, so server.ts or a test can pass pino (or anything shaped like it)
// while the gateway itself has no logging dependency. The hot path never logs per request:
// only errors (rate-limited by the callers) and a periodic summary.

export type LogFields = Record<string, unknown>;

export interface GatewayLogger {
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON lines on stdout, pino's shape (level number, time, msg), so the same tooling reads both. */
export function createJsonLogger(level: LogLevel = "info", name = "gateway"): GatewayLogger {
  const threshold = LEVELS[level];
  const write = (lvl: number, fields: LogFields, msg: string): void => {
    if (lvl < threshold) return;
    const entry: Record<string, unknown> = { level: lvl, time: Date.now(), name, ...fields, msg };
    // Errors stringify to {}; keep what an operator needs, never the stack of a routine reset.
    const err = fields.err;
    if (err instanceof Error) entry.err = { type: err.name, message: err.message, code: (err as NodeJS.ErrnoException).code, stack: lvl >= LEVELS.error ? err.stack : undefined };
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  };
  return {
    info: (fields, msg) => write(LEVELS.info, fields, msg),
    warn: (fields, msg) => write(LEVELS.warn, fields, msg),
    error: (fields, msg) => write(LEVELS.error, fields, msg),
  };
}
