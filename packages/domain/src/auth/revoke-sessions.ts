import type { DbClient } from "../audit/record-audit";

/** Ends one session (logout). Revoking twice is harmless. */
export async function revokeSession(db: DbClient, options: { sessionId: string; now?: Date }): Promise<void> {
  await db.session.updateMany({
    where: { id: options.sessionId, revokedAt: null },
    data: { revokedAt: options.now ?? new Date() },
  });
}

/** Ends every session of a user (password change or reset, disabling). Returns how many. */
export async function revokeAllSessions(db: DbClient, options: { userId: string; now?: Date }): Promise<number> {
  const result = await db.session.updateMany({
    where: { userId: options.userId, revokedAt: null },
    data: { revokedAt: options.now ?? new Date() },
  });
  return result.count;
}

/** Revokes every API token of a user (disabling). Returns how many. */
export async function revokeAllApiTokens(db: DbClient, options: { userId: string; now?: Date }): Promise<number> {
  const result = await db.apiToken.updateMany({
    where: { userId: options.userId, revokedAt: null },
    data: { revokedAt: options.now ?? new Date() },
  });
  return result.count;
}
