import { AppError, httpStatusFor, isAppError, type ErrorCode, type ErrorEnvelope } from "@aula/contracts";
import { isDatabaseUnavailable } from "@aula/db";
import { isRedisUnavailable } from "@aula/queue";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

interface FieldIssue {
  path: string;
  message: string;
}

// Fastify's own errors that a client caused, by code. Everything not listed and not an AppError
// is our fault and becomes internal_error.
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: "validation_failed", message: "The request body is not valid JSON." },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: "validation_failed", message: "The request says it carries JSON but its body is empty." },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: "validation_failed", message: "The Content-Length header does not match the body." },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: "payload_too_large", message: "The request body is too large." },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: "unsupported_media_type", message: "This endpoint does not accept that Content-Type; send application/json." },
  FST_ERR_BAD_URL: { code: "validation_failed", message: "The URL is not valid." },
  FST_ERR_MAX_PARAM_LENGTH: { code: "validation_failed", message: "A part of the URL path is too long." },
};

/** What a 503 for an unreachable PostgreSQL or Redis suggests: both reconnect within seconds. */
const DEPENDENCY_RETRY_AFTER_S = 5;

function fieldIssues(error: FastifyError): FieldIssue[] {
  const context = error.validationContext ?? "body";
  return (error.validation ?? []).map((issue) => {
    const path = issue.instancePath.split("/").filter(Boolean).join(".");
    return { path: path ? `${context}.${path}` : context, message: issue.message ?? "Invalid value." };
  });
}

function envelope(request: FastifyRequest, code: ErrorCode, message: string, details?: unknown): ErrorEnvelope {
  return { error: { code, message, ...(details === undefined ? {} : { details }) }, requestId: request.id };
}

/** Maps any thrown value to the public error envelope and its status. Never leaks internals. */
export function toErrorResponse(error: unknown, request: FastifyRequest): { status: number; body: ErrorEnvelope; unexpected: boolean } {
  if (isAppError(error)) {
    return { status: httpStatusFor[error.code], body: envelope(request, error.code, error.message, error.details), unexpected: false };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation)) {
    const fields = fieldIssues(fastifyError as FastifyError);
    const summary = fields
      .slice(0, 3)
      .map((f) => `${f.path}: ${f.message}`)
      .join("; ");
    return { status: 400, body: envelope(request, "validation_failed", `Check the request: ${summary}`, { fields }), unexpected: false };
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { status: httpStatusFor[known.code], body: envelope(request, known.code, known.message), unexpected: false };
  // Any other 4xx from Fastify or a plugin (e.g. a prototype-poisoned body) is still the
  // client's doing; a 500 there would page someone for nothing.
  if (typeof fastifyError.statusCode === "number" && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const code: ErrorCode = fastifyError.statusCode === 413 ? "payload_too_large" : fastifyError.statusCode === 415 ? "unsupported_media_type" : fastifyError.statusCode === 404 ? "not_found" : "validation_failed";
    return { status: httpStatusFor[code], body: envelope(request, code, "The request could not be processed; check its format."), unexpected: false };
  }
  // PostgreSQL or Redis down or restarting: not a bug, and it passes by itself once they are back
  // (pg's pool and ioredis reconnect). A 503 with a stable code tells scripts and the portal to
  // retry, where a 500 would page someone.
  if (isDatabaseUnavailable(error) || isRedisUnavailable(error)) {
    return { status: 503, body: envelope(request, "service_unavailable", "Aula cannot reach its database or queue right now. Try again in a few seconds."), unexpected: false };
  }
  return {
    status: 500,
    body: envelope(request, "internal_error", `Something went wrong on our side. If it keeps happening, give this request id to an admin: ${request.id}`),
    unexpected: true,
  };
}

/**
 * Fastify's router answers some bad URLs (undecodable, a path segment over maxParamLength) before
 * any error handler runs; this gives them the same envelope. Pass as the `frameworkErrors` option.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorResponse(error, request);
  void reply.status(status).type("application/json; charset=utf-8").send(body);
}

/** True when a string anywhere in the value (keys included) holds a NUL, which PostgreSQL text refuses. */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (depth > 32 || value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  // Parsed JSON, query and params only: never walk a raw upload stream or a Buffer.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === "function") return false;
  return Object.entries(value).some(([k, v]) => k.includes("\u0000") || holdsNul(v, depth + 1));
}

/** The single error handler and the 404 handler, set once on the root instance. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply: FastifyReply) => {
    const { status, body, unexpected } = toErrorResponse(error, request);
    if (unexpected) request.log.error({ err: error }, "unexpected error");
    else if (status === 503) request.log.warn({ err: error, code: body.error.code }, "a dependency is unavailable");
    else request.log.info({ code: body.error.code, status }, "request refused");
    if (status === 503) void reply.header("retry-after", String(DEPENDENCY_RETRY_AFTER_S));
    if (status === 429 && isAppError(error)) {
      const retry = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (typeof retry === "number") void reply.header("retry-after", String(retry));
    }
    return reply.status(status).type("application/json; charset=utf-8").send(body);
  });

  // A NUL in a path parameter, query or JSON string is never meaningful, and PostgreSQL would
  // refuse it mid-query (a 500): refuse it up front.
  app.addHook("preValidation", async (request) => {
    if (holdsNul(request.params) || holdsNul(request.query) || holdsNul(request.body)) {
      throw new AppError("validation_failed", "The request contains a NUL character.");
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const body = envelope(request, "not_found", `There is no ${request.method} ${request.url.split("?")[0]?.slice(0, 200) ?? ""} here.`);
    return reply.status(404).send(body);
  });
}
