import { z } from "zod";
import { Password } from "./common";
import { User } from "./users";

export const LoginBody = z.strictObject({
  // Looser than Username on purpose: a mistyped name gets the same answer as a wrong password.
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** csrfToken is null when the caller authenticated with an API token (no cookie, no CSRF). */
export const MeResponse = z.object({ user: User, csrfToken: z.string().nullable() });
export type MeResponse = z.infer<typeof MeResponse>;

export const LoginResponse = z.object({ user: User, csrfToken: z.string() });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;
