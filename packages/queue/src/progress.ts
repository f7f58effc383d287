import type { Redis } from "ioredis";
import { z } from "zod";
import { parseJsonWith } from "./messages/parse-json";

// Spawn progress travels through Redis: the worker publishes each phase on a channel and keeps
// the last events in a short list, so a progress stream that connects late (or reconnects after
// an api restart) still sees everything from "queued" on.

export const serverPhases = ["queued", "allocating", "creating", "starting", "waiting", "ready", "failed", "stopping", "stopped"] as const;
export const ServerPhase = z.enum(serverPhases);
export type ServerPhase = z.infer<typeof ServerPhase>;

export const ProgressEvent = z.object({
  serverId: z.string(),
  phase: ServerPhase,
  /** A sentence for the student: "Waiting for Jupyter to answer…", or why it failed. */
  message: z.string(),
  /** 0-100, for the progress bar. */
  progress: z.number().min(0).max(100),
  /** Place in the admission queue (1 = next), while queued. */
  position: z.number().int().positive().optional(),
  etaSeconds: z.number().nonnegative().optional(),
  at: z.string(),
});
export type ProgressEvent = z.infer<typeof ProgressEvent>;

const HISTORY = 50;
const TTL_S = 24 * 3600;

export const progressChannel = (prefix: string, serverId: string) => `${prefix}:progress:${serverId}`;
const historyKey = (prefix: string, serverId: string) => `${prefix}:progress-log:${serverId}`;

/** True for the phases after which a progress stream ends. */
export const isFinalPhase = (phase: ServerPhase) => phase === "ready" || phase === "failed" || phase === "stopped";

export async function publishProgress(redis: Redis, prefix: string, event: Omit<ProgressEvent, "at"> & { at?: string }): Promise<ProgressEvent> {
  const full: ProgressEvent = { ...event, at: event.at ?? new Date().toISOString() };
  const json = JSON.stringify(full);
  const key = historyKey(prefix, full.serverId);
  await redis.multi().rpush(key, json).ltrim(key, -HISTORY, -1).expire(key, TTL_S).publish(progressChannel(prefix, full.serverId), json).exec();
  return full;
}

/** One published or stored event; null when it is not one (never throws). */
export function parseProgressEvent(raw: string): ProgressEvent | null {
  return parseJsonWith(ProgressEvent, raw);
}

export async function readProgressHistory(redis: Redis, prefix: string, serverId: string): Promise<ProgressEvent[]> {
  const raw = await redis.lrange(historyKey(prefix, serverId), 0, -1);
  return raw.flatMap((line) => parseProgressEvent(line) ?? []);
}

/** Forgets a server's history, e.g. before a new spawn of the same server id (never reused today). */
export async function clearProgress(redis: Redis, prefix: string, serverId: string): Promise<void> {
  await redis.del(historyKey(prefix, serverId));
}
