export { createGateway, type Gateway, type GatewayConfig, type GatewayDeps } from "./app";
export { RouteTable, type Route, type RouteRow } from "./route-table";
export {
  RouteMessage,
  RouteAddMessage,
  RouteRemoveMessage,
  publishRouteAdd,
  publishRouteRemove,
  parseRouteMessage,
  type Publisher,
} from "./route-messages";
export { SessionMessage, RevokeUserMessage, publishRevokeUser, parseSessionMessage } from "./session-messages";
export { routesChannel, sessionsChannel, activityKey, accessKey } from "./redis-keys";
export { createJsonLogger, type GatewayLogger } from "./logger";
