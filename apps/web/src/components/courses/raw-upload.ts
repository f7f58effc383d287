import { ErrorEnvelope, type MeResponse } from "@aula/contracts";
import { API_BASE, ApiError, apiRequest } from "../../lib/api";

// The session's api helper sends JSON and text; a course file is a raw body (a notebook, a zip)
// streamed by the browser from disk. The CSRF token comes from /me, as the session itself does.

/** PUT or POST a file as the raw request body; resolves with the JSON answer, throws ApiError. */
export async function uploadRaw<T>(method: "PUT" | "POST", path: string, file: Blob, contentType?: string): Promise<T> {
  const me = await apiRequest<MeResponse>("/me");
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      body: file,
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "Content-Type": contentType || file.type || "application/octet-stream", ...(me.csrfToken ? { "X-Aula-CSRF": me.csrfToken } : {}) },
    });
  } catch {
    throw new ApiError("network_error", "The upload did not reach Aula. Check your connection and try again.", 0);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page; handled below.
  }
  if (!response.ok) {
    const parsed = ErrorEnvelope.safeParse(body);
    if (parsed.success) throw new ApiError(parsed.data.error.code, parsed.data.error.message, response.status, parsed.data.error.details, parsed.data.requestId);
    if (response.status === 413) throw new ApiError("payload_too_large", "This file is larger than the upload limit.", 413);
    throw new ApiError("bad_response", `The upload failed (HTTP ${response.status}).`, response.status);
  }
  return body as T;
}

/** `notebooks/intro.ipynb` → `notebooks/intro.ipynb` with each segment URL-encoded. */
export function encodePath(p: string): string {
  return p.split("/").map(encodeURIComponent).join("/");
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
