import { AppError } from "@aula/contracts";
import type { Db, UserModel as User } from "@aula/db";

/** The user with that username, or a not_found error naming it. */
export async function getUserByUsername(db: Db, username: string): Promise<User> {
  const user = await db.user.findUnique({ where: { username } });
  if (!user) throw new AppError("not_found", `There is no user called "${username.slice(0, 32)}".`);
  return user;
}
