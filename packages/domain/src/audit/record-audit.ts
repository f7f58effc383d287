import type { Db, Prisma } from "@aula/db";

/** The client itself or the one inside `db.$transaction`, so an audit row commits with its change. */
export type DbClient = Db | Prisma.TransactionClient;

export interface RecordAuditOptions {
  actorId: string | null;
  /** Dotted verb, e.g. "user.create", "user.disable", "api_token.revoke". */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  data?: Prisma.InputJsonObject;
  ip?: string | null;
}

export async function recordAudit(db: DbClient, options: RecordAuditOptions): Promise<void> {
  await db.auditEvent.create({
    data: {
      actorId: options.actorId,
      action: options.action,
      targetType: options.targetType ?? null,
      targetId: options.targetId ?? null,
      data: options.data ?? {},
      ip: options.ip ?? null,
    },
  });
}
