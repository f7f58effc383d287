export {
  buildContainerSpec,
  containerNameFor,
  defaultVolumeNames,
  ContainerSpecError,
  JUPYTER_PORT,
  JUPYTER_PORT_KEY,
  LABEL_ENVIRONMENT,
  LABEL_SERVER,
  LABEL_SMOKE,
  LABEL_DEPLOYMENT,
  LABEL_USER,
  type ContainerSpecOptions,
  type MaterialMount,
} from "./container-spec";
export { readBuildContext, contentHash, packBuildContext, BuildContextError, type BuildContext, type BuildContextFile, type ReadBuildContextOptions } from "./build-context";
export { chooseRecipe, DEFAULT_ONLINE_BASE, type RecipeChoice, type RecipeKind, type RecipePreference, type ChooseRecipeOptions } from "./recipe";
export { ensureOfflineBase, OFFLINE_BASE_IMAGE, OfflineBaseError, type EnsureOfflineBaseOptions, type OfflineBaseResult } from "./offline-base";
export { buildImage, ImageBuildError, type BuildImageOptions, type BuiltImage } from "./image-builder";
export { smokeTest, removeStaleSmokeContainers, SmokeTestError, type SmokeTestOptions, type SmokeTestResult } from "./smoke-test";
export {
  runImageBuild,
  buildEnvironment,
  imageTagFor,
  PermanentBuildError,
  LABEL_CONTENT_HASH,
  IMAGE_REPOSITORY_PREFIX,
  type RunImageBuildOptions,
  type RunImageBuildResult,
  type BuildEnvironmentOptions,
} from "./build-environment";
export { findEnvironmentsDir } from "./environments-dir";
export { imageExists, followProgress, isNotFound, type ProgressEvent } from "./docker-util";
export {
  startServerContainer,
  stopServerContainer,
  removeContainer,
  listServerContainers,
  containerLogTail,
  waitForJupyter,
  SpawnError,
  type ServerContainer,
  type WaitForJupyterOptions,
} from "./spawner";
export {
  parseGpuQuery,
  parseGpuList,
  parseGpuSamples,
  parseSimulatedGpus,
  mergeGpuInventory,
  migProfileMemoryMb,
  gpuInventoryMode,
  detectGpus,
  sampleGpus,
  runCommand,
  GpuInventoryError,
  NVIDIA_SMI_QUERY_ARGS,
  NVIDIA_SMI_LIST_ARGS,
  NVIDIA_SMI_SAMPLE_ARGS,
  type GpuInventoryMode,
  type GpuSampleReading,
  type ListedGpu,
  type ListedMig,
  type RunCommand,
} from "./gpu-inventory";
export { ensureStudentNetwork, STUDENT_NETWORK, STUDENT_BRIDGE, LABEL_NETWORK, StudentNetworkError, type StudentNetworkInfo } from "./student-network";
export {
  ensureStudentDisk,
  checkStudentDiskSupport,
  unmountStudentDisks,
  volumeBinding,
  listMounts,
  runDiskCommand,
  StudentDiskError,
  MIN_STUDENT_DISK_MB,
  type StudentDisk,
  type StudentDiskDirs,
  type EnsureStudentDiskOptions,
  type DiskCommand,
} from "./student-disk";
export { pruneBuildCache, removeUnusedEnvironmentImages, type MaintenanceResult } from "./maintenance";
