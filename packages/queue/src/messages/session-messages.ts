import { z } from "zod";
import type { Publisher } from "./route-messages";
import { parseJsonWith } from "./parse-json";
import { sessionsChannel } from "./redis-keys";

// Logout, password change and disabling a user publish `revoke-user`; the gateway then closes
// that user's open WebSockets (a kernel connection outlives the HTTP session check otherwise)
// and forgets its cached credential lookups.

export const RevokeUserMessage = z.object({
  type: z.literal("revoke-user"),
  userId: z.string().min(1).max(64),
});
export type RevokeUserMessage = z.infer<typeof RevokeUserMessage>;

export const SessionMessage = RevokeUserMessage;
export type SessionMessage = RevokeUserMessage;

export async function publishRevokeUser(redis: Publisher, prefix: string, userId: string): Promise<void> {
  const message: RevokeUserMessage = RevokeUserMessage.parse({ type: "revoke-user", userId });
  await redis.publish(sessionsChannel(prefix), JSON.stringify(message));
}

export function parseSessionMessage(raw: string): SessionMessage | null {
  return parseJsonWith(SessionMessage, raw);
}
