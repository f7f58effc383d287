import type { ServerStatusName, ServerView } from "@aula/contracts";

// Pure helpers for a student's Jupyter server: the words the portal uses for each state, and the
// spawn-progress events of GET /users/{name}/server/progress (the worker publishes them through
// Redis; the api streams them as `event: progress`).

export const progressPhases = ["queued", "allocating", "creating", "starting", "waiting", "ready", "failed", "stopping", "stopped"] as const;
export type ProgressPhase = (typeof progressPhases)[number];

export interface ProgressEvent {
  serverId: string;
  phase: ProgressPhase;
  /** A sentence for the student, written by the worker. */
  message: string;
  /** 0-100. */
  progress: number;
  /** Place in the admission queue (1 = next), while queued. */
  position?: number;
  etaSeconds?: number;
  at: string;
}

const isPhase = (value: unknown): value is ProgressPhase => typeof value === "string" && (progressPhases as readonly string[]).includes(value);

/** One SSE `data:` line, or null when it is not a progress event this build understands. */
export function parseProgressEvent(data: string): ProgressEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.serverId !== "string" || !isPhase(r.phase) || typeof r.message !== "string" || typeof r.progress !== "number" || typeof r.at !== "string") return null;
  const event: ProgressEvent = { serverId: r.serverId, phase: r.phase, message: r.message, progress: Math.min(100, Math.max(0, r.progress)), at: r.at };
  if (typeof r.position === "number" && Number.isInteger(r.position) && r.position > 0) event.position = r.position;
  if (typeof r.etaSeconds === "number" && r.etaSeconds >= 0) event.etaSeconds = r.etaSeconds;
  return event;
}

/** After these phases the stream ends (and EventSource must be closed, or it reconnects). */
export const isFinalPhase = (phase: ProgressPhase) => phase === "ready" || phase === "failed" || phase === "stopped";

/** A server that holds (or is about to hold) resources: only one at a time. */
export const isActiveStatus = (status: ServerStatusName) => status === "queued" || status === "starting" || status === "running" || status === "stopping";

/** Still on its way up: the progress stream has something to say. */
export const isStartingStatus = (status: ServerStatusName) => status === "queued" || status === "starting";

export const statusLabel: Record<ServerStatusName, string> = {
  queued: "Queued",
  starting: "Starting",
  running: "Running",
  stopping: "Stopping",
  stopped: "Stopped",
  failed: "Failed",
};

/** What to tell the person about the server, in plain words; `whose` is "Your" or "ana's". */
export function describeServer(server: Pick<ServerView, "status" | "stopReason" | "failureReason">, whose = "Your"): string {
  switch (server.status) {
    case "queued":
      return `${whose} server is waiting for a free slot.`;
    case "starting":
      return `${whose} server is starting.`;
    case "running":
      return `${whose} server is running.`;
    case "stopping":
      return `${whose} server is stopping. Files in /bootcamp are kept.`;
    case "stopped":
      return server.stopReason ?? `${whose} server is stopped.`;
    case "failed":
      return server.failureReason ?? `${whose} server could not start.`;
  }
}

/** "about 40 s", "about 3 min": an estimate, said as one. */
export function formatEta(seconds: number): string {
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `about ${hours} h` : `about ${hours} h ${rest} min`;
}

/** "You are 3rd in the queue" for position 3; position 1 is next. */
export function describeQueuePosition(position: number, whose = "Your"): string {
  if (position === 1) return `${whose} server is next in the queue.`;
  return `${whose} server is number ${position} in the queue.`;
}

/** The sentence the progress bar shows: the worker's message, or one derived from the row. */
export function progressSentence(server: Pick<ServerView, "id" | "status">, event: ProgressEvent | null): string {
  if (event && event.serverId === server.id) return event.message;
  return server.status === "queued" ? "Waiting for a free slot…" : "Starting your server…";
}

/** Bar value: the stream's when there is one, else a small step so the bar is not empty. */
export function progressValue(server: Pick<ServerView, "id" | "status">, event: ProgressEvent | null): number {
  if (event && event.serverId === server.id) return event.progress;
  return server.status === "queued" ? 5 : 20;
}
