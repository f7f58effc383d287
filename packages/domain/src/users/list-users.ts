import type { RoleName } from "@aula/contracts";
import type { Db, Prisma, UserModel as User } from "@aula/db";
import { roleFromName } from "./user-view";

export interface ListUsersOptions {
  /** Matches anywhere in the username or display name, ignoring case. */
  query?: string;
  role?: RoleName;
  limit: number;
  /** The username of the last user of the previous page. */
  cursor?: string;
}

/** Users ordered by username, keyset-paginated so pages stay stable while accounts are added. */
export async function listUsers(db: Db, options: ListUsersOptions): Promise<{ users: User[]; nextCursor: string | null }> {
  const where: Prisma.UserWhereInput = {};
  if (options.query) {
    where.OR = [
      { username: { contains: options.query, mode: "insensitive" } },
      { displayName: { contains: options.query, mode: "insensitive" } },
    ];
  }
  if (options.role) where.role = roleFromName(options.role);
  if (options.cursor) where.username = { gt: options.cursor };
  const rows = await db.user.findMany({ where, orderBy: { username: "asc" }, take: options.limit + 1 });
  const users = rows.slice(0, options.limit);
  const last = users.at(-1);
  return { users, nextCursor: rows.length > options.limit && last ? last.username : null };
}
