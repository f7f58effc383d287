import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";

// The one-time code flow that signs a browser into a per-user subdomain without sharing the
// portal cookie (JupyterHub's OAuth between hub and single-user servers, reduced to what one
// deployment needs): the api issues a code for (server, portal session) after its access check,
// the browser carries it to `<name>.<domain>`, and the gateway trades it, once, for a cookie of
// that host alone. Only SHA-256 digests of codes and cookies are stored, as for sessions.

/** A code is good for one exchange within this many seconds: long enough for two redirects. */
export const SUBDOMAIN_CODE_TTL_S = 60;

/** What a code (and then the subdomain cookie made from it) stands for. */
export const SubdomainGrant = z.object({
  /** The username whose server (and subdomain) this is valid for. */
  server: z.string().min(1).max(64),
  /** The portal session it came from: ending that session ends this too. */
  sessionId: z.string().min(1).max(64),
  /** The signed-in user (the owner, or an instructor/admin holding an access grant). */
  userId: z.string().min(1).max(64),
});
export type SubdomainGrant = z.infer<typeof SubdomainGrant>;

type RedisCommands = Pick<Redis, "set" | "get" | "getdel">;

// 32 random bytes, base64url: 43 characters. Anything else is refused before touching Redis.
const SECRET = /^[A-Za-z0-9_-]{43}$/;

const digest = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export function subdomainCodeKey(prefix: string, code: string): string {
  return `${prefix}:subdomain-code:${digest(code)}`;
}

export function subdomainCookieKey(prefix: string, secret: string): string {
  return `${prefix}:subdomain-cookie:${digest(secret)}`;
}

function parseGrant(raw: string | null): SubdomainGrant | null {
  if (raw === null) return null;
  try {
    const result = SubdomainGrant.safeParse(JSON.parse(raw));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Stores a fresh single-use code for `grant`; the caller puts it in the redirect to the subdomain. */
export async function issueSubdomainCode(redis: RedisCommands, prefix: string, grant: SubdomainGrant, ttlSeconds = SUBDOMAIN_CODE_TTL_S): Promise<string> {
  const code = randomBytes(32).toString("base64url");
  await redis.set(subdomainCodeKey(prefix, code), JSON.stringify(SubdomainGrant.parse(grant)), "EX", ttlSeconds);
  return code;
}

/**
 * Trades a code for its grant, at most once (GETDEL: a replayed or raced code finds nothing).
 * A code issued for another user's server is refused, and spent all the same.
 */
export async function exchangeSubdomainCode(redis: RedisCommands, prefix: string, code: string, server: string): Promise<SubdomainGrant | null> {
  if (!SECRET.test(code)) return null;
  const grant = parseGrant(await redis.getdel(subdomainCodeKey(prefix, code)));
  return grant !== null && grant.server === server ? grant : null;
}

/** Records a new subdomain cookie for `grant`, kept `ttlSeconds`; returns the secret for Set-Cookie. */
export async function createSubdomainCookie(redis: RedisCommands, prefix: string, grant: SubdomainGrant, ttlSeconds: number): Promise<string> {
  const secret = randomBytes(32).toString("base64url");
  await redis.set(subdomainCookieKey(prefix, secret), JSON.stringify(SubdomainGrant.parse(grant)), "EX", Math.max(1, Math.floor(ttlSeconds)));
  return secret;
}

/** The grant behind a subdomain cookie, or null (unknown, expired, malformed). */
export async function readSubdomainCookie(redis: RedisCommands, prefix: string, secret: string): Promise<SubdomainGrant | null> {
  if (!SECRET.test(secret)) return null;
  return parseGrant(await redis.get(subdomainCookieKey(prefix, secret)));
}
