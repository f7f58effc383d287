import { AppError, type AuditEventJson } from "@aula/contracts";
import type { Db } from "@aula/db";

export interface ListAuditOptions {
  limit: number;
  /** The id of the last event of the previous page. */
  cursor?: string;
  action?: string;
}

/** Newest first, keyset-paginated on the id so new events never shift a page. */
export async function listAuditEvents(db: Db, options: ListAuditOptions): Promise<{ events: AuditEventJson[]; nextCursor: string | null }> {
  let before: bigint | undefined;
  if (options.cursor !== undefined) {
    if (!/^\d{1,19}$/.test(options.cursor)) throw new AppError("validation_failed", "The cursor is not valid; start again from the first page.");
    before = BigInt(options.cursor);
  }
  const rows = await db.auditEvent.findMany({
    where: { ...(before !== undefined ? { id: { lt: before } } : {}), ...(options.action ? { action: options.action } : {}) },
    orderBy: { id: "desc" },
    take: options.limit + 1,
    include: { actor: { select: { id: true, username: true } } },
  });
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    events: page.map((row) => ({
      id: row.id.toString(),
      at: row.at.toISOString(),
      actor: row.actor,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      data: row.data,
      ip: row.ip,
    })),
    nextCursor: rows.length > options.limit && last ? last.id.toString() : null,
  };
}
