import type { Db, UserModel as User } from "@aula/db";
import { burnPasswordCheck, verifyPassword } from "../auth/password";

/**
 * The user when the username and password match an enabled account, else null. Unknown users,
 * disabled users and wrong passwords all cost one argon2 verification, so neither the answer
 * nor its timing says which of the three happened.
 */
export async function authenticate(db: Db, options: { username: string; password: string }): Promise<User | null> {
  const user = await db.user.findUnique({ where: { username: options.username } });
  if (!user?.passwordHash) {
    await burnPasswordCheck(options.password);
    return null;
  }
  const ok = await verifyPassword(user.passwordHash, options.password);
  if (!ok || user.disabledAt) return null;
  return user;
}
