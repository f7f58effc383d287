import { AppError } from "@aula/contracts";
import type { Db, UserModel as User } from "@aula/db";
import { hashPassword, verifyPassword } from "../auth/password";
import { revokeAllSessions } from "../auth/revoke-sessions";

export interface ChangePasswordOptions {
  userId: string;
  currentPassword: string;
  newPassword: string;
  now?: Date;
}

/**
 * The user changes their own password. Every session ends (a stolen cookie dies with the old
 * password); the caller issues a fresh session for the browser that made the change.
 */
export async function changePassword(db: Db, options: ChangePasswordOptions): Promise<User> {
  const now = options.now ?? new Date();
  const user = await db.user.findUnique({ where: { id: options.userId } });
  if (!user) throw new AppError("not_found", "Your account no longer exists.");
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, options.currentPassword))) {
    throw new AppError("validation_failed", "Your current password is not correct.", {
      fields: [{ path: "body.currentPassword", message: "Not your current password." }],
    });
  }
  const passwordHash = await hashPassword(options.newPassword);
  return db.$transaction(async (tx) => {
    const updated = await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: now } });
    await revokeAllSessions(tx, { userId: user.id, now });
    return updated;
  });
}
