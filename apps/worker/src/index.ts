export { startWorker, type StartWorkerOptions, type RunningWorker } from "./worker";
export { createImageBuildProcessor, recoverImageBuilds, onImageBuildJobFailed, WORKER_STOPPED_MESSAGE, type ImageBuildDeps } from "./processors/image-build";
export { createLogger, type Logger } from "./log";
