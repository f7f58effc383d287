import type { ServerStatus } from "@aula/db";

/** Statuses covered by the "Server_one_active_per_user" partial unique index. */
export const ACTIVE_SERVER_STATUSES: ServerStatus[] = ["QUEUED", "STARTING", "RUNNING", "STOPPING"];

export function containerNameFor(username: string): string {
  return `aula-${username}`;
}
