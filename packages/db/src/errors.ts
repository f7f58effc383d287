/** True when a Prisma or pg error is a unique-constraint violation (Prisma P2002, SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  if (e.code === "P2002" || e.code === "23505") return true;
  if (e.meta?.driverAdapterError?.cause?.originalCode === "23505") return true;
  return e.cause !== undefined && e.cause !== error ? isUniqueViolation(e.cause) : false;
}
