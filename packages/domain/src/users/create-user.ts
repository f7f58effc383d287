import { AppError, Username, type RoleName } from "@aula/contracts";
import { isUniqueViolation, type Db, type UserModel as User } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { generatePassword, hashPassword } from "../auth/password";
import { roleFromName } from "./user-view";

export interface CreateUserOptions {
  username: string;
  displayName: string;
  email?: string | null;
  role: RoleName;
  /** Omit it to generate one; the result carries it either way, for showing once. */
  password?: string;
  /** Null for the CLI run by the operator on the host. */
  actorId?: string | null;
  ip?: string | null;
}

export interface CreatedUser {
  user: User;
  password: string;
  generated: boolean;
}

export async function createUser(db: Db, options: CreateUserOptions): Promise<CreatedUser> {
  const username = Username.safeParse(options.username);
  if (!username.success) {
    throw new AppError("validation_failed", `"${options.username.slice(0, 40)}" is not a valid username. ${username.error.issues[0]?.message ?? ""}`.trim());
  }
  const generated = options.password === undefined;
  const password = options.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  try {
    const user = await db.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: {
          username: username.data,
          displayName: options.displayName,
          email: options.email ?? null,
          role: roleFromName(options.role),
          passwordHash,
          passwordChangedAt: new Date(),
        },
      });
      await recordAudit(tx, {
        actorId: options.actorId ?? null,
        action: "user.create",
        targetType: "user",
        targetId: created.id,
        data: { username: created.username, role: options.role },
        ip: options.ip,
      });
      return created;
    });
    return { user, password, generated };
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError("conflict", `The username "${username.data}" is already taken.`);
    throw error;
  }
}
