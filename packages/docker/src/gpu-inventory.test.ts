import { describe, expect, it } from "vitest";
import {
  detectGpus,
  GpuInventoryError,
  gpuInventoryMode,
  mergeGpuInventory,
  NVIDIA_SMI_LIST_ARGS,
  NVIDIA_SMI_QUERY_ARGS,
  parseGpuList,
  parseGpuQuery,
  parseGpuSamples,
  parseSimulatedGpus,
  type RunCommand,
} from "./gpu-inventory";

// Output samples in the exact shape nvidia-smi prints them (driver 535-570 series).

const A100_80GB_X2 = `0, GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77, NVIDIA A100-SXM4-80GB, 81920
1, GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4, NVIDIA A100-SXM4-80GB, 81920
`;
const H100_X4 = [
  "0, GPU-a3f1c2e4-7b6d-4e5f-8a9b-0c1d2e3f4a5b, NVIDIA H100 80GB HBM3, 81559",
  "1, GPU-b4e2d3f5-8c7e-5f6a-9b0c-1d2e3f4a5b6c, NVIDIA H100 80GB HBM3, 81559",
  "2, GPU-c5f3e4a6-9d8f-6a7b-0c1d-2e3f4a5b6c7d, NVIDIA H100 80GB HBM3, 81559",
  "3, GPU-d6a4f5b7-0e9a-7b8c-1d2e-3f4a5b6c7d8e, NVIDIA H100 80GB HBM3, 81559",
].join("\r\n");
const RTX_4090 = "0, GPU-7e1d6a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b, NVIDIA GeForce RTX 4090, 24564\n";
const T4_X2 = "0, GPU-1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718, Tesla T4, 15360\n1, GPU-2a3b4c5d-6e7f-8091-a2b3-c4d5e6f70819, Tesla T4, 15360\n";

const A100_MIG_QUERY = "0, GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b, NVIDIA A100-SXM4-80GB, 81920\n1, GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4, NVIDIA A100-SXM4-80GB, 81920\n";
const A100_MIG_LIST = `GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b)
  MIG 3g.40gb     Device  0: (UUID: MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f)
  MIG 2g.20gb     Device  1: (UUID: MIG-8a1b2c3d-4e5f-5a6b-8c7d-9e0f1a2b3c4d)
  MIG 1g.10gb     Device  2: (UUID: MIG-1d2e3f4a-5b6c-5d7e-8f9a-0b1c2d3e4f5a)
  MIG 1g.10gb     Device  3: (UUID: MIG-2e3f4a5b-6c7d-5e8f-9a0b-1c2d3e4f5a6b)
GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4)
`;

describe("the nvidia-smi query parser", () => {
  it("reads index, uuid, model and memory of A100 80GB, H100, RTX 4090 and T4 boards", () => {
    expect(parseGpuQuery(A100_80GB_X2)).toEqual([
      { index: 0, uuid: "GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77", name: "NVIDIA A100-SXM4-80GB", memoryMb: 81920, simulated: false, parentUuid: null },
      { index: 1, uuid: "GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4", name: "NVIDIA A100-SXM4-80GB", memoryMb: 81920, simulated: false, parentUuid: null },
    ]);
    const h100 = parseGpuQuery(H100_X4);
    expect(h100.map((g) => [g.index, g.name, g.memoryMb])).toEqual([0, 1, 2, 3].map((i) => [i, "NVIDIA H100 80GB HBM3", 81559]));
    expect(parseGpuQuery(RTX_4090)).toMatchObject([{ index: 0, name: "NVIDIA GeForce RTX 4090", memoryMb: 24564 }]);
    expect(parseGpuQuery(T4_X2).map((g) => g.name)).toEqual(["Tesla T4", "Tesla T4"]);
  });

  it("treats an unreadable memory figure as unknown instead of failing", () => {
    expect(parseGpuQuery("0, GPU-7e1d6a2b-3c4d-5e6f-7a8b-9c0d1e2f3a4b, NVIDIA GeForce RTX 4090, [N/A]")[0]?.memoryMb).toBe(0);
  });

  it("refuses output it does not understand rather than inventing GPUs", () => {
    expect(() => parseGpuQuery("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")).toThrow(GpuInventoryError);
  });
});

describe("the nvidia-smi -L parser", () => {
  it("puts MIG slices under their parent GPU with their profiles", () => {
    const list = parseGpuList(A100_MIG_LIST);
    expect(list.map((g) => [g.index, g.uuid, g.migs.length])).toEqual([
      [0, "GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b", 4],
      [1, "GPU-0b7a9d5c-8f3e-41d7-9a3f-2c8e61d5b0e4", 0],
    ]);
    expect(list[0]?.migs[0]).toEqual({ profile: "3g.40gb", device: 0, uuid: "MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f" });
  });

  it("reads the older MIG-GPU-<parent>/<gi>/<ci> uuid form", () => {
    const list = parseGpuList("GPU 0: A100-SXM4-40GB (UUID: GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b)\n  MIG 1g.5gb Device 0: (UUID: MIG-GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b/7/0)\n");
    expect(list[0]?.migs[0]?.uuid).toBe("MIG-GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b/7/0");
  });

  it("merges the two outputs into devices: each GPU, then its MIG slices pointing at it", () => {
    const inventory = mergeGpuInventory(parseGpuQuery(A100_MIG_QUERY), parseGpuList(A100_MIG_LIST));
    expect(inventory.map((g) => [g.uuid.slice(0, 12), g.parentUuid?.slice(0, 12) ?? null, g.memoryMb])).toEqual([
      ["GPU-e91edf3b", null, 81920],
      ["MIG-c6d4f1ef", "GPU-e91edf3b", 40960],
      ["MIG-8a1b2c3d", "GPU-e91edf3b", 20480],
      ["MIG-1d2e3f4a", "GPU-e91edf3b", 10240],
      ["MIG-2e3f4a5b", "GPU-e91edf3b", 10240],
      ["GPU-0b7a9d5c", null, 81920],
    ]);
    expect(inventory[1]?.name).toBe("NVIDIA A100-SXM4-80GB MIG 3g.40gb");
  });
});

describe("a simulated inventory (AULA_GPUS)", () => {
  it("declares four H100s with stable GPU-sim uuids, marked simulated", () => {
    const gpus = parseSimulatedGpus("sim:4xH100-80GB");
    expect(gpus).toHaveLength(4);
    expect(gpus.every((g) => g.simulated && g.name === "H100 80GB" && g.memoryMb === 80 * 1024 && g.uuid.startsWith("GPU-sim-"))).toBe(true);
    expect(new Set(gpus.map((g) => g.uuid)).size).toBe(4);
    expect(parseSimulatedGpus("sim:4xH100-80GB")).toEqual(gpus);
  });

  it("mixes models and keeps uuids valid for a device request", () => {
    const gpus = parseSimulatedGpus("sim:2xA100-40GB,1xT4-16GB");
    expect(gpus.map((g) => [g.index, g.name])).toEqual([
      [0, "A100 40GB"],
      [1, "A100 40GB"],
      [2, "T4 16GB"],
    ]);
    for (const g of gpus) expect(g.uuid).toMatch(/^GPU-[A-Za-z0-9-]+$/);
  });

  it("refuses a malformed declaration with a message naming the fix", () => {
    expect(() => parseSimulatedGpus("sim:4xH100")).toThrow(/4xH100-80GB/);
    expect(() => parseSimulatedGpus("sim:0xH100-80GB")).toThrow(GpuInventoryError);
    expect(() => gpuInventoryMode("four h100s")).toThrow(/AULA_GPUS/);
  });
});

describe("detecting the inventory", () => {
  it("asks nvidia-smi when AULA_GPUS is empty, and finds no GPUs where it is not installed", async () => {
    const calls: string[] = [];
    const withDriver: RunCommand = async (file, args) => {
      calls.push(`${file} ${args.join(" ")}`);
      return args[0] === "-L" ? A100_MIG_LIST : A100_MIG_QUERY;
    };
    const found = await detectGpus({ spec: "", run: withDriver });
    expect(found.mode).toBe("nvidia-smi");
    expect(found.gpus).toHaveLength(6);
    expect(calls).toEqual([`nvidia-smi ${NVIDIA_SMI_QUERY_ARGS.join(" ")}`, `nvidia-smi ${NVIDIA_SMI_LIST_ARGS.join(" ")}`]);
    expect(await detectGpus({ spec: "auto", run: async () => null })).toEqual({ mode: "none", gpus: [] });
    expect(await detectGpus({ spec: "none", run: withDriver })).toEqual({ mode: "none", gpus: [] });
  });

  it("reads utilisation and memory samples, unknown for MIG-mode GPUs", () => {
    expect(parseGpuSamples("GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77, 87, 40211\nGPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b, [N/A], 13\n")).toEqual([
      { uuid: "GPU-5d5ba0d6-d33d-2b2c-524d-9e3d8d2b8a77", utilizationPct: 87, memoryUsedMb: 40211 },
      { uuid: "GPU-e91edf3b-b297-37c1-a2a7-7601c98c6a3b", utilizationPct: null, memoryUsedMb: 13 },
    ]);
  });
});
