/**
 * One device found on the node: a whole GPU, or a MIG slice (parentUuid = its GPU's uuid).
 * `@aula/docker`'s inventory produces these from nvidia-smi or from AULA_GPUS ("sim:…").
 */
export interface DetectedGpu {
  uuid: string;
  index: number;
  name: string;
  memoryMb: number;
  simulated: boolean;
  parentUuid: string | null;
}
