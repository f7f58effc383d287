import { AppError, type RoleName } from "@aula/contracts";
import { Role, type Db, type Prisma, type UserModel as User } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { revokeAllApiTokens, revokeAllSessions } from "../auth/revoke-sessions";
import { roleFromName } from "./user-view";

export interface UpdateUserOptions {
  username: string;
  displayName?: string;
  email?: string | null;
  role?: RoleName;
  disabled?: boolean;
  actorId: string | null;
  ip?: string | null;
  now?: Date;
}

/**
 * An admin edits an account. Disabling ends every session and API token in the same
 * transaction, so a disabled student is locked out on their very next request.
 */
export async function updateUser(db: Db, options: UpdateUserOptions): Promise<User> {
  const now = options.now ?? new Date();
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { username: options.username } });
    if (!user) throw new AppError("not_found", `There is no user called "${options.username.slice(0, 32)}".`);
    const self = options.actorId === user.id;
    // Refusing these keeps at least the acting admin able to sign in and administer.
    if (self && options.disabled === true) throw new AppError("forbidden", "You cannot disable your own account; ask another admin.");
    if (self && options.role !== undefined && options.role !== "admin" && user.role === Role.ADMIN) {
      throw new AppError("forbidden", "You cannot remove your own admin role; ask another admin.");
    }

    const data: Prisma.UserUpdateInput = {};
    const changes: Record<string, string | boolean | null> = {};
    if (options.displayName !== undefined && options.displayName !== user.displayName) {
      data.displayName = changes.displayName = options.displayName;
    }
    if (options.email !== undefined && options.email !== user.email) data.email = changes.email = options.email;
    if (options.role !== undefined && roleFromName(options.role) !== user.role) {
      data.role = roleFromName(options.role);
      changes.role = options.role;
    }
    const disabling = options.disabled === true && user.disabledAt === null;
    const enabling = options.disabled === false && user.disabledAt !== null;
    if (disabling) data.disabledAt = now;
    if (enabling) data.disabledAt = null;
    if (disabling || enabling) changes.disabled = disabling;

    if (Object.keys(changes).length === 0) return user;
    const updated = await tx.user.update({ where: { id: user.id }, data });
    const revoked = disabling
      ? { sessionsRevoked: await revokeAllSessions(tx, { userId: user.id, now }), apiTokensRevoked: await revokeAllApiTokens(tx, { userId: user.id, now }) }
      : {};
    await recordAudit(tx, {
      actorId: options.actorId,
      action: disabling ? "user.disable" : enabling ? "user.enable" : "user.update",
      targetType: "user",
      targetId: user.id,
      data: { username: user.username, changes, ...revoked },
      ip: options.ip,
    });
    return updated;
  });
}
