// JSON lines on stdout, the shape the api's pino logs use, so `./aula logs` reads both alike.
export type LogLevel = "debug" | "info" | "warn" | "error" | "fatal";
const order: Record<LogLevel | "trace" | "silent", number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  fatal(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: keyof typeof order = "info", write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const at = (lvl: LogLevel) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (order[lvl] < order[level]) return;
    const err = fields.err instanceof Error ? { err: { type: fields.err.name, message: fields.err.message } } : {};
    write(`${JSON.stringify({ level: order[lvl], time: Date.now(), name: "worker", msg, ...fields, ...err })}\n`);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error"), fatal: at("fatal") };
}
