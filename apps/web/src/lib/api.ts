import { ErrorEnvelope } from "@aula/contracts";

// The portal is a client of the API only: every call goes to the same origin (the gateway routes
// /api/* to the api), carries the session cookie, and sends the CSRF token on writes.

export const API_BASE = "/api/v1";

/** An error the person reading it can act on; `code` is the API's code or one of ours below. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  readonly requestId: string | undefined;
  constructor(code: string, message: string, status: number, details?: unknown, requestId?: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.requestId = requestId;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** A sentence for any thrown value: the API's message when there is one. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Try again, and tell an administrator if it keeps happening.";
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RequestOptions {
  method?: Method;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  text?: string;
  contentType?: string;
  /** Sent as X-Aula-CSRF on every method but GET. */
  csrfToken?: string | null;
  signal?: AbortSignal;
}

async function parseError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: a proxy error page or an empty body. Fall through to the generic sentence.
  }
  const parsed = ErrorEnvelope.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(code, message, response.status, details, parsed.data.requestId);
  }
  // An envelope whose code this build doesn't know yet still carries a usable message.
  const loose = body as { error?: { code?: unknown; message?: unknown }; requestId?: unknown } | null;
  if (loose && typeof loose.error?.message === "string" && typeof loose.error.code === "string") {
    return new ApiError(loose.error.code, loose.error.message, response.status, undefined, typeof loose.requestId === "string" ? loose.requestId : undefined);
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    return new ApiError("service_unavailable", "Aula's API is not answering right now. Try again in a minute.", response.status);
  }
  return new ApiError("bad_response", `The server answered with an unexpected error (HTTP ${response.status}).`, response.status);
}

/** One call to the API. Resolves with the parsed JSON body (undefined for 204), throws ApiError. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.json !== undefined || options.text !== undefined ? "POST" : "GET");
  const headers: Record<string, string> = { Accept: "application/json" };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.text !== undefined) {
    headers["Content-Type"] = options.contentType ?? "text/plain";
    body = options.text;
  }
  if (method !== "GET" && options.csrfToken) headers["X-Aula-CSRF"] = options.csrfToken;

  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError("network_error", "Could not reach Aula. Check your connection and try again.", 0);
  }
  if (!response.ok) throw await parseError(response);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (text === "") return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError("bad_response", "The server answered with something that is not JSON.", response.status);
  }
}

/** Builds `?a=1&b=2` from the defined, non-empty values. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : "";
}
