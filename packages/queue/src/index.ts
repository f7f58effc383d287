export { createRedis, closeRedis, isRedisUnavailable, type CreateRedisOptions, type RedisRole } from "./connection";
export { queueNames, jobNames, type QueueName } from "./names";
export {
  ImageBuildPayload,
  createImageBuildQueue,
  enqueueImageBuild,
  imageBuildJobOptions,
  type ImageBuildQueue,
} from "./jobs/image-build";
export { buildLogChannel, BuildLogMessage, parseBuildLogMessage } from "./build-log-channel";
export * from "./progress";
export {
  SpawnPayload,
  StopPayload,
  createSpawnQueue,
  createStopQueue,
  enqueueSpawn,
  enqueueStop,
  spawnJobOptions,
  stopJobOptions,
  type SpawnQueue,
  type StopQueue,
} from "./jobs/servers";
export {
  CollectPayload,
  CollectResult,
  COLLECTION_RETENTION_S,
  collectJobOptions,
  createCollectQueue,
  enqueueCollect,
  type CollectQueue,
} from "./jobs/collect";
export {
  MaintenanceAction,
  MaintenancePayload,
  MaintenanceJobResult,
  maintenanceActions,
  createMaintenanceQueue,
  enqueueMaintenance,
  type MaintenanceQueue,
} from "./jobs/maintenance";
