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
} from "@aula/queue/messages";
export { SessionMessage, RevokeUserMessage, publishRevokeUser, parseSessionMessage } from "@aula/queue/messages";
export { routesChannel, sessionsChannel, activityKey, accessKey } from "@aula/queue/messages";
export { createJsonLogger, type GatewayLogger } from "./logger";
