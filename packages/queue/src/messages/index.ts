// Pub/sub messages and shared Redis key names between worker, api and gateway. A separate entry
// (`@aula/queue/messages`) so the gateway's hot path never loads BullMQ.
export * from "./redis-keys";
export * from "./route-messages";
export * from "./session-messages";
export * from "./subdomain-auth";
