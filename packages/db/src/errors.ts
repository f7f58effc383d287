/** True when a Prisma or pg error is a unique-constraint violation (Prisma P2002, SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (e.code === "P2002" || e.code === "23505") return true;
  if (e.meta?.driverAdapterError?.cause?.originalCode === "23505") return true;
  return e.cause !== undefined && e.cause !== error ? isUniqueViolation(e.cause) : false;
}

// Prisma's codes for "the database is not there": can't reach, timed out, server closed the
// connection, no connection from the pool in time.
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
// What @prisma/adapter-pg reports for socket-level failures.
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
// SQLSTATE classes 08 (connection exception) and 57P (admin/crash shutdown, cannot connect now),
// 53300 too many connections.
const UNAVAILABLE_SQLSTATE = /^(08|57P)|^53300$/;
// pg's own errors carry no code when the socket dies under a query.
const UNAVAILABLE_MESSAGE = /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|timeout exceeded when trying to connect|Can't reach database server|Server has closed the connection|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * True when a Prisma or pg error means PostgreSQL is unreachable or restarting (refused, reset,
 * shutdown, recovery), as opposed to a query the database refused. The api answers those with
 * 503 `service_unavailable`; they pass once PostgreSQL is back.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 6) return false;
  const e = error as { code?: unknown; kind?: unknown; originalCode?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } };
  if (typeof e.code === "string" && (UNAVAILABLE_PRISMA_CODES.has(e.code) || SOCKET_CODES.has(e.code) || UNAVAILABLE_SQLSTATE.test(e.code))) return true;
  if (typeof e.kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(e.kind)) return true;
  if (typeof e.originalCode === "string" && UNAVAILABLE_SQLSTATE.test(e.originalCode)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  const adapterCause = e.meta?.driverAdapterError?.cause;
  if (adapterCause !== undefined && isDatabaseUnavailable(adapterCause, depth + 1)) return true;
  return e.cause !== undefined && e.cause !== error ? isDatabaseUnavailable(e.cause, depth + 1) : false;
}
