import type { Db } from "@aula/db";
import type { Principal } from "./resolve-credentials";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The portal session behind a per-user-subdomain cookie, by its id. The same rules as the
 * portal cookie (revoked, expired, disabled user → null), so logout, a password change and
 * disabling end the subdomain cookies made from that session too. No lastSeenAt write: the
 * portal's own requests keep that current.
 */
export async function resolveSessionById(db: Db, sessionId: string, now: Date = new Date()): Promise<Principal | null> {
  // Session ids are UUIDs; anything else would be a database error rather than "no session".
  if (!UUID.test(sessionId)) return null;
  const session = await db.session.findUnique({
    where: { id: sessionId },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabledAt: true } } },
  });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabledAt) return null;
  return {
    userId: session.user.id,
    username: session.user.username,
    displayName: session.user.displayName,
    role: session.user.role,
    session: { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt },
  };
}
