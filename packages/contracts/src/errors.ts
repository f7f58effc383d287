import { z } from "zod";

/** The closed set of error codes the API answers with. Scripts and tests match on these. */
export const errorCodes = [
  "unauthenticated",
  "forbidden",
  "csrf_failed",
  "not_found",
  "validation_failed",
  "payload_too_large",
  "unsupported_media_type",
  "conflict",
  "rate_limited",
  "quota_exceeded",
  "not_enrolled",
  "week_not_released",
  "environment_not_ready",
  "server_already_running",
  "server_limit_reached",
  "gpu_unavailable",
  "service_unavailable",
  "internal_error",
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One table maps codes to HTTP statuses; nothing else decides a status. */
export const httpStatusFor: Record<ErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  csrf_failed: 403,
  not_found: 404,
  validation_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  rate_limited: 429,
  quota_exceeded: 403,
  not_enrolled: 403,
  week_not_released: 403,
  environment_not_ready: 409,
  server_already_running: 409,
  server_limit_reached: 409,
  gpu_unavailable: 409,
  service_unavailable: 503,
  internal_error: 500,
};

export const ErrorEnvelope = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
  requestId: z.string(),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/**
 * The error every layer throws for an expected failure. `message` is a sentence the person
 * reading it can act on; `details` carries structured extras (field errors, queue position).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return httpStatusFor[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError || (typeof error === "object" && error !== null && (error as { name?: unknown }).name === "AppError" && typeof (error as { code?: unknown }).code === "string");
}
