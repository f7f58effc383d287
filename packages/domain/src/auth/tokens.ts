import { createHash, randomBytes } from "node:crypto";

// Secrets travel to the client once and are stored only as SHA-256 digests: a leaked database
// does not leak sessions or tokens. (A slow hash is pointless here: these are 256-bit random.)

export const SESSION_COOKIE = "aula_session";
export const CSRF_HEADER = "x-aula-csrf";
export const API_TOKEN_PREFIX = "aula_";

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function newSessionSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function newCsrfToken(): string {
  return randomBytes(24).toString("base64url");
}

export function newApiToken(): string {
  return API_TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** Per-server Jupyter token: injected by the gateway, never typed by the student. */
export function newServerToken(): string {
  return randomBytes(24).toString("hex");
}
