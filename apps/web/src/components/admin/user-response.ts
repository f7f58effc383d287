import type { User } from "@aula/contracts";

/** PATCH /users/{name} answers with the updated user, bare or as `{ user }`; accept both. */
export function userFrom(response: User | { user: User }): User {
  return "user" in response ? response.user : response;
}
