import { z } from "zod";
import { Cursor, DisplayName, Email, PageLimit, Password, Timestamp, Username } from "./common";

/** Roles travel in lowercase; the database enum is uppercase. */
export const RoleName = z.enum(["admin", "instructor", "student"]);
export type RoleName = z.infer<typeof RoleName>;

export const User = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: RoleName,
  disabled: z.boolean(),
  createdAt: Timestamp,
});
export type User = z.infer<typeof User>;

export const UserResponse = z.object({ user: User });
export type UserResponse = z.infer<typeof UserResponse>;

export const UserParams = z.object({ name: z.string().max(32) });

export const ListUsersQuery = z.object({
  query: z.string().trim().max(200).optional(),
  role: RoleName.optional(),
  limit: PageLimit,
  cursor: Cursor.optional(),
});
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserList = z.object({ users: z.array(User), nextCursor: z.string().nullable() });
export type UserList = z.infer<typeof UserList>;

export const CreateUserBody = z.strictObject({
  username: Username,
  displayName: DisplayName,
  email: Email.optional(),
  role: RoleName,
  /** Omit it and the server generates one, returned once. */
  password: Password.optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const CreateUserResponse = z.object({ user: User, password: z.string().optional() });
export type CreateUserResponse = z.infer<typeof CreateUserResponse>;

export const UpdateUserBody = z.strictObject({
  displayName: DisplayName.optional(),
  email: Email.nullable().optional(),
  role: RoleName.optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const PasswordResetResponse = z.object({ password: z.string() });

/** 2 MiB of CSV is far more than any class list; the route's body limit matches. */
export const IMPORT_CSV_MAX_BYTES = 2 * 1024 * 1024;

export const ImportUsersBody = z.strictObject({ csv: z.string().max(IMPORT_CSV_MAX_BYTES) });

/** `row` is the line number in the file (the header is line 1). */
export const ImportReport = z.object({
  created: z.array(z.object({ row: z.number().int(), username: z.string(), password: z.string() })),
  refused: z.array(z.object({ row: z.number().int(), username: z.string().optional(), reason: z.string() })),
});
export type ImportReport = z.infer<typeof ImportReport>;
