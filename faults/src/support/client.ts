import type { Stack } from "@aula/e2e/stack";

/** A signed-in portal session, used the way the browser uses it: cookie plus CSRF header. */
export interface Session {
  username: string;
  cookie: string;
  csrf: string;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  /** How long the answer took, for the report (never asserted). */
  ms: number;
}

export interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * One request through the gateway. The timeout is a bound, not a measurement: a dependency being
 * down must give an answer, never a hang, so a timeout here fails the test.
 */
export async function call<T = unknown>(stack: Pick<Stack, "url">, method: string, path: string, options: { session?: Session; body?: unknown; timeoutMs?: number } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.session) {
    headers.cookie = options.session.cookie;
    headers["x-aula-csrf"] = options.session.csrf;
  }
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const startedAt = Date.now();
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the failure message
  }
  return { status: response.status, body: body as T, ms: Date.now() - startedAt };
}

export async function signIn(stack: Pick<Stack, "url">, user: { username: string; password: string }): Promise<Session> {
  const response = await fetch(`${stack.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user.username, password: user.password }),
    signal: AbortSignal.timeout(20_000),
  });
  if (response.status !== 200) throw new Error(`login of ${user.username} answered ${response.status}: ${await response.text()}`);
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c?.startsWith("aula_session="));
  if (!cookie) throw new Error("login set no aula_session cookie");
  return { username: user.username, cookie, csrf: csrfToken };
}
