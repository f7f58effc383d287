import { describe, expect, it } from "vitest";
import { fairOrder, planAdmission, type QueuedGpuRequest } from "./fair-queue";
import { estimateWaits, typicalHoldSeconds } from "./estimate-wait";
import { pickGpuSlot, type GpuSlots } from "./gpu-capacity";

const t0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const req = (serverId: string, courseId: string, secondsAfter: number, share = 1): QueuedGpuRequest => ({ serverId, courseId, queuedAt: new Date(t0 + secondsAfter * 1000), share });
const gpu = (gpuId: string, heldSlots: number[] = [], share: number | null = heldSlots.length ? 1 : null): GpuSlots => ({ gpuId, uuid: `GPU-${gpuId}`, index: 0, name: "H100", simulated: true, share, heldSlots });

describe("the admission order", () => {
  it("is first come, first served within one course", () => {
    const order = fairOrder([req("c", "A", 3), req("a", "A", 1), req("b", "A", 2)], new Map());
    expect(order.map((r) => r.serverId)).toEqual(["a", "b", "c"]);
  });

  it("lets courses take turns instead of serving a whole early class first", () => {
    const requests = [req("a1", "A", 1), req("a2", "A", 2), req("a3", "A", 3), req("a4", "A", 4), req("b1", "B", 5), req("b2", "B", 6)];
    expect(fairOrder(requests, new Map()).map((r) => r.serverId)).toEqual(["a1", "b1", "a2", "b2", "a3", "a4"]);
  });

  it("keeps everyone's place when a course's head is served", () => {
    const requests = [req("a1", "A", 1), req("a2", "A", 2), req("a3", "A", 3), req("a4", "A", 4), req("b1", "B", 5), req("b2", "B", 6)];
    const before = fairOrder(requests, new Map()).map((r) => r.serverId);
    const after = fairOrder(requests.slice(1), new Map([["A", 1]])).map((r) => r.serverId);
    expect(after).toEqual(before.slice(1));
  });
});

describe("the admission plan", () => {
  it("admits as many heads of the line as there are free GPUs, in order", () => {
    const order = [req("a", "A", 1), req("b", "A", 2), req("c", "A", 3)];
    const plan = planAdmission(order, [gpu("g1"), gpu("g2", [0]), gpu("g3")]);
    expect([...plan].map(([id, p]) => [id, p.position, p.admissible])).toEqual([
      ["a", 1, true],
      ["b", 2, true],
      ["c", 3, false],
    ]);
  });

  it("fills a shared GPU up to its share and never mixes exclusive and shared holders", () => {
    const gpus = [gpu("g1", [0, 1], 4), gpu("g2")];
    expect(pickGpuSlot(gpus, 4)).toEqual({ gpuId: "g1", slot: 2 });
    expect(pickGpuSlot(gpus, 1)).toEqual({ gpuId: "g2", slot: 0 });
    expect(pickGpuSlot([gpu("g1", [0, 1], 4)], 1)).toBeNull();
    expect(pickGpuSlot([gpu("g1", [0], 1)], 4)).toBeNull();
  });

  it("lets a request that fits go ahead of one that cannot fit anywhere yet", () => {
    const plan = planAdmission([req("excl", "A", 1, 1), req("shared", "A", 2, 2)], [gpu("g1", [0], 2)]);
    expect(plan.get("excl")).toEqual({ position: 1, admissible: false });
    expect(plan.get("shared")).toEqual({ position: 2, admissible: true });
  });
});

describe("the wait estimate", () => {
  it("plays the line forward over the holders' remaining time", () => {
    const order = [req("a", "A", 1), req("b", "A", 2), req("c", "A", 3)];
    const waits = estimateWaits({
      order,
      gpus: [gpu("g1", [0]), gpu("g2", [0])],
      holders: [
        { gpuId: "g1", remainingS: 600 },
        { gpuId: "g2", remainingS: 1800 },
      ],
      holdS: () => 3600,
      basis: "at-most",
    });
    expect([...waits.values()].map((w) => w.etaSeconds)).toEqual([600, 1800, 4200]);
    expect(waits.get("a")?.basis).toBe("at-most");
  });

  it("says unknown rather than inventing a number when no GPU can host the request", () => {
    const waits = estimateWaits({ order: [req("a", "A", 1)], gpus: [], holders: [], holdS: () => 3600, basis: "at-most" });
    expect(waits.get("a")).toEqual({ etaSeconds: null, basis: null });
  });

  it("uses the median of recent holds only when there are enough of them", () => {
    const hold = (s: number) => ({ allocatedAt: new Date(t0), releasedAt: new Date(t0 + s * 1000) });
    expect(typicalHoldSeconds([hold(60), hold(120)])).toBeNull();
    expect(typicalHoldSeconds([hold(60), hold(120), hold(600), hold(30), hold(3000)])).toBe(120);
  });
});
