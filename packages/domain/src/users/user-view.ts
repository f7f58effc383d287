import type { RoleName, User as UserJson } from "@aula/contracts";
import { Role, type UserModel as User } from "@aula/db";

export function roleName(role: Role): RoleName {
  return role.toLowerCase() as RoleName;
}

export function roleFromName(name: RoleName): Role {
  return Role[name.toUpperCase() as keyof typeof Role];
}

/** The one JSON shape of a user; never includes the password hash. */
export function userView(user: User): UserJson {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: roleName(user.role),
    disabled: user.disabledAt !== null,
    createdAt: user.createdAt.toISOString(),
  };
}
