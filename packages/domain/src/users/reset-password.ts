import { AppError } from "@aula/contracts";
import type { Db, UserModel as User } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { generatePassword, hashPassword } from "../auth/password";
import { revokeAllSessions } from "../auth/revoke-sessions";

export interface ResetPasswordOptions {
  username: string;
  /** Omit it to generate one. */
  password?: string;
  actorId?: string | null;
  ip?: string | null;
  now?: Date;
}

/** An admin (or the operator's CLI) sets a new password; every session of the user ends. */
export async function resetPassword(db: Db, options: ResetPasswordOptions): Promise<{ user: User; password: string }> {
  const now = options.now ?? new Date();
  const password = options.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  const user = await db.$transaction(async (tx) => {
    const existing = await tx.user.findUnique({ where: { username: options.username } });
    if (!existing) throw new AppError("not_found", `There is no user called "${options.username.slice(0, 32)}".`);
    const updated = await tx.user.update({ where: { id: existing.id }, data: { passwordHash, passwordChangedAt: now } });
    const sessions = await revokeAllSessions(tx, { userId: existing.id, now });
    await recordAudit(tx, {
      actorId: options.actorId ?? null,
      action: "user.password_reset",
      targetType: "user",
      targetId: existing.id,
      data: { username: existing.username, sessionsRevoked: sessions },
      ip: options.ip,
    });
    return updated;
  });
  return { user, password };
}
