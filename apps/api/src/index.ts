export { buildApp, DEFAULT_BODY_LIMIT, type ApiConfig, type BuildAppDeps } from "./app";
export { metricsRegistry, httpRequestsTotal } from "./metrics";
export { requireUser, requireRole, requireSelfOrAdmin, principalOf } from "./plugins/app/auth";
export { DEFAULT_LOGIN_LIMITS, type LoginLimits } from "./lib/login-limiter";
