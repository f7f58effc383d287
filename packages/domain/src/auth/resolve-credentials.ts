import type { Db, Role } from "@aula/db";
import { API_TOKEN_PREFIX, hashSecret } from "./tokens";

export interface Principal {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  /** Set when authenticated by the portal cookie; cookie-authenticated writes need its CSRF token. */
  session?: { id: string; csrfToken: string; expiresAt: Date };
  /** Set when authenticated by an API token (`Authorization: Bearer aula_…`). */
  apiTokenId?: string;
  /** The rest of the user's public view, read with the credential so `GET /me` needs no query of its own. */
  account?: { email: string | null; createdAt: Date };
}

// lastSeenAt is refreshed at most this often, so a busy session costs no write per request.
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Resolves the secret from the `aula_session` cookie. Revoked, expired sessions and disabled
 * users resolve to null: that is how logout, password change and disabling end sessions.
 */
export async function resolveSession(db: Db, secret: string, now: Date = new Date()): Promise<Principal | null> {
  if (!secret || secret.length > 200) return null;
  const session = await db.session.findUnique({
    where: { tokenHash: hashSecret(secret) },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabledAt: true, email: true, createdAt: true } } },
  });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabledAt) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.session.update({ where: { id: session.id }, data: { lastSeenAt: now } }).catch(() => {});
  }
  return {
    userId: session.user.id,
    username: session.user.username,
    displayName: session.user.displayName,
    role: session.user.role,
    session: { id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt },
    account: { email: session.user.email, createdAt: session.user.createdAt },
  };
}

/** Resolves `Authorization: Bearer aula_…`. Unknown, revoked or expired tokens resolve to null. */
export async function resolveApiToken(db: Db, token: string, now: Date = new Date()): Promise<Principal | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashSecret(token) },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabledAt: true } } },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || row.user.disabledAt) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } }).catch(() => {});
  }
  return {
    userId: row.user.id,
    username: row.user.username,
    displayName: row.user.displayName,
    role: row.user.role,
    apiTokenId: row.id,
  };
}

/** Reads the bearer token out of an Authorization header value, if it is one of ours. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}
