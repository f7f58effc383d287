// The gateway's Redis contract on its own, for producers (worker, api) that must not pull in the
// proxy itself: `import { publishRouteAdd } from "@aula/gateway/messages"`.
export * from "./route-messages";
export * from "./session-messages";
export * from "./redis-keys";
