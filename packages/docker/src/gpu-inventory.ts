import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import type { DetectedGpu } from "@aula/domain";

// The node's GPUs, from nvidia-smi when a driver is installed, or declared by AULA_GPUS
// ("sim:4xH100-80GB") where there is none: then every allocation and quota rule runs for real,
// containers simply get no device requests.

export const NVIDIA_SMI_QUERY_ARGS = ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"] as const;
export const NVIDIA_SMI_LIST_ARGS = ["-L"] as const;
export const NVIDIA_SMI_SAMPLE_ARGS = ["--query-gpu=uuid,utilization.gpu,memory.used", "--format=csv,noheader,nounits"] as const;

export class GpuInventoryError extends Error {
  override name = "GpuInventoryError";
}

/** "[N/A]", "[Not Supported]", "" → null; "81920" → 81920. */
function numberOrNull(field: string | undefined): number | null {
  const n = Number((field ?? "").trim());
  return (field ?? "").trim() !== "" && Number.isFinite(n) ? n : null;
}

/**
 * `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits`: one line
 * per physical GPU, "0, GPU-…, NVIDIA A100-SXM4-80GB, 81920". Names never contain commas.
 */
export function parseGpuQuery(output: string): DetectedGpu[] {
  const gpus: DetectedGpu[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length !== 4) throw new GpuInventoryError(`unexpected nvidia-smi line: "${line}"`);
    const [index, uuid, name, memory] = fields as [string, string, string, string];
    if (!/^\d+$/.test(index) || !/^GPU-[A-Za-z0-9-]+$/.test(uuid)) throw new GpuInventoryError(`unexpected nvidia-smi line: "${line}"`);
    gpus.push({ index: Number(index), uuid, name, memoryMb: numberOrNull(memory) ?? 0, simulated: false, parentUuid: null });
  }
  return gpus;
}

export interface ListedMig {
  /** "3g.40gb" */
  profile: string;
  device: number;
  uuid: string;
}
export interface ListedGpu {
  index: number;
  name: string;
  uuid: string;
  migs: ListedMig[];
}

const LIST_GPU = /^GPU\s+(\d+):\s+(.+?)\s+\(UUID:\s*(GPU-[A-Za-z0-9-]+)\)\s*$/;
// Drivers >= 470 print MIG-<uuid>; older ones MIG-GPU-<parent>/<gi>/<ci>.
const LIST_MIG = /^MIG\s+(\S+)\s+Device\s+(\d+):\s+\(UUID:\s*(MIG-[A-Za-z0-9/-]+)\)\s*$/;

/** `nvidia-smi -L`: GPUs, each followed by its MIG devices (indented) when MIG mode is on. */
export function parseGpuList(output: string): ListedGpu[] {
  const gpus: ListedGpu[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const gpu = LIST_GPU.exec(line);
    if (gpu) {
      gpus.push({ index: Number(gpu[1]), name: gpu[2]!, uuid: gpu[3]!, migs: [] });
      continue;
    }
    const mig = LIST_MIG.exec(line);
    if (mig) {
      const parent = gpus.at(-1);
      if (!parent) throw new GpuInventoryError(`MIG device before any GPU in nvidia-smi -L: "${line}"`);
      parent.migs.push({ profile: mig[1]!, device: Number(mig[2]), uuid: mig[3]! });
    }
    // Anything else (a warning banner, "No devices found") carries no device.
  }
  return gpus;
}

/** Memory of a MIG profile: "3g.40gb" → 40960 MiB; "1g.10gb+me" → 10240. */
export function migProfileMemoryMb(profile: string): number {
  const m = /\.(\d+)gb/i.exec(profile);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * The inventory: every GPU of the query (memory from there), and after each GPU its MIG slices
 * from `-L`, as devices of their own whose parentUuid is the GPU. The allocator then hands out
 * the slices, never the split GPU itself.
 */
export function mergeGpuInventory(query: readonly DetectedGpu[], list: readonly ListedGpu[]): DetectedGpu[] {
  const listed = new Map(list.map((g) => [g.uuid, g]));
  const out: DetectedGpu[] = [];
  for (const gpu of [...query].sort((a, b) => a.index - b.index)) {
    out.push(gpu);
    for (const mig of listed.get(gpu.uuid)?.migs ?? []) {
      out.push({ index: gpu.index, uuid: mig.uuid, name: `${gpu.name} MIG ${mig.profile}`, memoryMb: migProfileMemoryMb(mig.profile), simulated: false, parentUuid: gpu.uuid });
    }
  }
  return out;
}

const SIM_ITEM = /^(\d{1,2})x([A-Za-z0-9][A-Za-z0-9.]*(?:-[A-Za-z0-9.]+)*?)-(\d{1,4})GB$/i;

/**
 * "sim:4xH100-80GB" or "sim:2xA100-40GB,1xT4-16GB": simulated GPUs with stable fake uuids
 * (GPU-sim-…, derived from position and model), so a restart finds the same rows and the
 * ledger continues.
 */
export function parseSimulatedGpus(spec: string): DetectedGpu[] {
  const body = spec.trim().replace(/^sim:/i, "");
  if (!/^sim:/i.test(spec.trim()) || !body) throw new GpuInventoryError(`AULA_GPUS "${spec}" is not a simulated inventory; write e.g. sim:4xH100-80GB or sim:2xA100-40GB,1xT4-16GB`);
  const gpus: DetectedGpu[] = [];
  for (const item of body.split(",").map((s) => s.trim())) {
    const m = SIM_ITEM.exec(item);
    if (!m) throw new GpuInventoryError(`AULA_GPUS: "${item}" should look like 4xH100-80GB (count x model - memory GB)`);
    const count = Number(m[1]);
    if (count < 1 || count > 64) throw new GpuInventoryError(`AULA_GPUS: "${item}": between 1 and 64 GPUs of a kind`);
    const model = m[2]!;
    const memGb = Number(m[3]);
    for (let i = 0; i < count; i++) {
      const index = gpus.length;
      const digest = createHash("sha256").update(`${index}:${model.toLowerCase()}:${memGb}`).digest("hex");
      gpus.push({
        index,
        uuid: `GPU-sim-${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`,
        name: `${model} ${memGb}GB`,
        memoryMb: memGb * 1024,
        simulated: true,
        parentUuid: null,
      });
    }
  }
  if (gpus.length > 64) throw new GpuInventoryError("AULA_GPUS: at most 64 simulated GPUs");
  return gpus;
}

export interface GpuSampleReading {
  uuid: string;
  utilizationPct: number | null;
  memoryUsedMb: number | null;
}

/** `nvidia-smi --query-gpu=uuid,utilization.gpu,memory.used --format=csv,noheader,nounits`. */
export function parseGpuSamples(output: string): GpuSampleReading[] {
  return output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .flatMap((line) => {
      const [uuid, util, mem] = line.split(",").map((f) => f.trim());
      return uuid && /^GPU-/.test(uuid) ? [{ uuid, utilizationPct: numberOrNull(util), memoryUsedMb: numberOrNull(mem) }] : [];
    });
}

/** Runs a program and returns stdout; null when it is not installed (no driver on this node). */
export type RunCommand = (file: string, args: readonly string[]) => Promise<string | null>;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") resolve(null);
        else reject(new GpuInventoryError(`${file} ${args.join(" ")} failed: ${error.message.trim()}`));
        return;
      }
      resolve(stdout);
    });
  });

export type GpuInventoryMode = "simulated" | "nvidia-smi" | "none";

/**
 * What AULA_GPUS says: "sim:…" → simulated; "none" → no GPUs; "" or "auto" → ask nvidia-smi
 * (no nvidia-smi on the PATH → no GPUs, a CPU-only node).
 */
export function gpuInventoryMode(spec: string): GpuInventoryMode {
  const s = spec.trim().toLowerCase();
  if (s.startsWith("sim:")) return "simulated";
  if (s === "none") return "none";
  if (s === "" || s === "auto") return "nvidia-smi";
  throw new GpuInventoryError(`AULA_GPUS "${spec}": use sim:4xH100-80GB, none, or leave it empty to detect with nvidia-smi`);
}

export async function detectGpus(opts: { spec: string; run?: RunCommand }): Promise<{ mode: GpuInventoryMode; gpus: DetectedGpu[] }> {
  const mode = gpuInventoryMode(opts.spec);
  if (mode === "simulated") return { mode, gpus: parseSimulatedGpus(opts.spec) };
  if (mode === "none") return { mode, gpus: [] };
  const run = opts.run ?? runCommand;
  const query = await run("nvidia-smi", NVIDIA_SMI_QUERY_ARGS);
  if (query === null) return { mode: "none", gpus: [] };
  const list = (await run("nvidia-smi", NVIDIA_SMI_LIST_ARGS)) ?? "";
  return { mode, gpus: mergeGpuInventory(parseGpuQuery(query), parseGpuList(list)) };
}

/** Utilisation and memory used of every real GPU now; empty without nvidia-smi. */
export async function sampleGpus(run: RunCommand = runCommand): Promise<GpuSampleReading[]> {
  const out = await run("nvidia-smi", NVIDIA_SMI_SAMPLE_ARGS);
  return out === null ? [] : parseGpuSamples(out);
}
