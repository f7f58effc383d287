import type { GpuSlots } from "./gpu-capacity";
import type { QueuedGpuRequest } from "./fair-queue";

/**
 * "typical": from how long students have held a GPU lately (median of recent ledger intervals).
 * "at-most": from the session limits alone (maximum age and GPU-hours left), an upper bound.
 */
export type EtaBasis = "typical" | "at-most";

export interface HolderEstimate {
  gpuId: string;
  /** Seconds until this holder's slot is free: estimated ("typical") or at most ("at-most"). */
  remainingS: number;
}

export interface WaitEstimate {
  etaSeconds: number | null;
  basis: EtaBasis | null;
}

/**
 * Seconds until each queued request gets a slot, by playing the line forward: every request
 * takes the GPU that frees first for it, and holds it for `holdS(request)`. Null when no present
 * GPU can ever host the request: "unknown" is more honest than a number.
 */
export function estimateWaits<T extends QueuedGpuRequest>(opts: {
  order: readonly T[];
  gpus: readonly GpuSlots[];
  holders: readonly HolderEstimate[];
  holdS: (r: T) => number;
  basis: EtaBasis;
}): Map<string, WaitEstimate> {
  // Per GPU: its mode and the times (s from now) at which each held slot frees.
  const state = new Map(opts.gpus.map((g) => [g.gpuId, { share: g.share, ends: [] as number[] }]));
  for (const h of opts.holders) state.get(h.gpuId)?.ends.push(Math.max(0, h.remainingS));
  const result = new Map<string, WaitEstimate>();
  for (const r of opts.order) {
    let best: { gpuId: string; at: number } | null = null;
    for (const [gpuId, g] of state) {
      let at: number;
      if (g.ends.length === 0) at = 0;
      else if (g.share === r.share) at = g.ends.length < r.share ? 0 : Math.min(...g.ends);
      else if (g.share === 0) continue;
      else at = Math.max(...g.ends);
      if (!best || at < best.at) best = { gpuId, at };
    }
    if (!best) {
      result.set(r.serverId, { etaSeconds: null, basis: null });
      continue;
    }
    const g = state.get(best.gpuId)!;
    const end = best.at + Math.max(0, opts.holdS(r));
    if (g.ends.length === 0 || g.share !== r.share) {
      g.share = r.share;
      g.ends = [end];
    } else if (g.ends.length < r.share) {
      g.ends.push(end);
    } else {
      g.ends.splice(g.ends.indexOf(Math.min(...g.ends)), 1, end);
    }
    result.set(r.serverId, { etaSeconds: Math.round(best.at), basis: opts.basis });
  }
  return result;
}

/** Median of recent hold times in seconds, or null with too few to mean anything. */
export function typicalHoldSeconds(intervals: readonly { allocatedAt: Date; releasedAt: Date }[], minSamples = 5): number | null {
  if (intervals.length < minSamples) return null;
  const s = intervals.map((i) => (i.releasedAt.getTime() - i.allocatedAt.getTime()) / 1000).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
