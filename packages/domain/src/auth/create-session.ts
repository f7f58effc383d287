import type { Db } from "@aula/db";
import { hashSecret, newCsrfToken, newSessionSecret } from "./tokens";

export const SESSION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface CreateSessionOptions {
  userId: string;
  ip?: string | null;
  userAgent?: string | null;
  now?: Date;
  ttlMs?: number;
}

export interface CreatedSession {
  id: string;
  /** Goes into the cookie and nowhere else; the row keeps only its SHA-256. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(db: Db, options: CreateSessionOptions): Promise<CreatedSession> {
  const now = options.now ?? new Date();
  const secret = newSessionSecret();
  const csrfToken = newCsrfToken();
  const expiresAt = new Date(now.getTime() + (options.ttlMs ?? SESSION_TTL_MS));
  const row = await db.session.create({
    data: {
      userId: options.userId,
      tokenHash: hashSecret(secret),
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: options.ip ?? null,
      userAgent: options.userAgent?.slice(0, 500) ?? null,
    },
  });
  return { id: row.id, secret, csrfToken, expiresAt };
}
