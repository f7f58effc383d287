// Queue names are part of the contract between the api (producer) and the worker. One queue per
// kind of work, so each gets its own concurrency: builds hog the Docker daemon, spawns must not
// wait behind them.
export const queueNames = {
  imageBuilds: "image-builds",
  // Stops have their own queue so a class-start rush of spawns never delays freeing a GPU.
  spawns: "spawns",
  stops: "stops",
  // Collecting students' work reads volumes and writes archives; never in the way of a spawn.
  collections: "collections",
  // Admin maintenance (prune build cache, remove unused images): with builds, one at a time.
  maintenance: "maintenance",
} as const;
export type QueueName = (typeof queueNames)[keyof typeof queueNames];

export const jobNames = {
  imageBuild: "image-build",
  spawn: "spawn",
  stop: "stop",
  collect: "collect",
  maintenance: "maintenance",
} as const;
