import { z } from "zod";
import { Timestamp, Username } from "./common";

// GPUs, the admission queue and GPU-hour quotas: the admins' board (GET /gpus, /gpus/stream),
// a student's place in line and weekly meter, and the quota settings instructors edit.

export const EtaBasis = z.enum(["typical", "at-most"]);

export const GpuHolder = z.object({
  slot: z.number().int(),
  serverId: z.string(),
  serverStatus: z.string(),
  username: z.string(),
  displayName: z.string(),
  course: z.object({ slug: z.string(), title: z.string() }),
  week: z.number().int(),
  environment: z.string(),
  since: Timestamp,
  heldSeconds: z.number().int(),
});

export const GpuView = z.object({
  id: z.string(),
  uuid: z.string(),
  index: z.number().int(),
  name: z.string(),
  memoryMb: z.number().int(),
  /** Declared by AULA_GPUS (no driver): allocation and quotas run, containers get no device. */
  simulated: z.boolean(),
  /** False once nvidia-smi stopped reporting it: never allocated again. */
  present: z.boolean(),
  /** Set on MIG slices: the GPU they are cut from. */
  parentUuid: z.string().nullable(),
  /** A GPU split into MIG slices; only its slices are handed out. */
  migParent: z.boolean(),
  allocatable: z.boolean(),
  lastSeenAt: Timestamp,
  /** Students per GPU of the current holders' environment (1 = exclusive); null when idle. */
  share: z.number().int().nullable(),
  holders: z.array(GpuHolder),
  /** Real GPUs only, from the worker's nvidia-smi sampler; null when simulated or not sampled. */
  utilizationPct: z.number().nullable(),
  memoryUsedMb: z.number().nullable(),
  sampledAt: Timestamp.nullable(),
});
export type GpuView = z.infer<typeof GpuView>;

export const GpuQueueEntryView = z.object({
  position: z.number().int().positive(),
  serverId: z.string(),
  username: z.string(),
  course: z.object({ slug: z.string(), title: z.string() }),
  week: z.number().int(),
  gpuRequest: z.enum(["required", "preferred"]),
  cpuFallback: z.boolean(),
  share: z.number().int(),
  queuedAt: Timestamp,
  waitingSeconds: z.number().int(),
  /** A slot is free for this request now; the worker is starting it. */
  admissible: z.boolean(),
  /** Null = unknown (no GPU that fits is free or about to be). */
  etaSeconds: z.number().int().nullable(),
  etaBasis: EtaBasis.nullable(),
});
export type GpuQueueEntryView = z.infer<typeof GpuQueueEntryView>;

export const GpuBoard = z.object({
  generatedAt: Timestamp,
  /** Every allocatable device is simulated (AULA_GPUS=sim:…). */
  simulated: z.boolean(),
  gpus: z.array(GpuView),
  queue: z.array(GpuQueueEntryView),
  totals: z.object({
    devices: z.number().int(),
    allocated: z.number().int(),
    freeDevices: z.number().int(),
    queued: z.number().int(),
    runningServers: z.number().int(),
  }),
});
export type GpuBoard = z.infer<typeof GpuBoard>;

export const GpuUsageQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(14) });
export const GpuUsage = z.object({
  /** UTC days, oldest first. */
  days: z.array(z.string()),
  courses: z.array(z.object({ slug: z.string(), title: z.string(), hours: z.array(z.number()) })),
});
export type GpuUsage = z.infer<typeof GpuUsage>;

/** GET /users/{name}/server/queue: where the user's GPU request stands. */
export const QueuePositionResponse = z.object({
  queued: z.boolean(),
  serverId: z.string().nullable(),
  position: z.number().int().positive().nullable(),
  /** How many requests are waiting in all. */
  length: z.number().int(),
  etaSeconds: z.number().int().nullable(),
  etaBasis: EtaBasis.nullable(),
  queuedAt: Timestamp.nullable(),
});
export type QueuePositionResponse = z.infer<typeof QueuePositionResponse>;

export const GpuQuotaLevel = z.enum(["unlimited", "ok", "warning", "critical", "exhausted"]);
export type GpuQuotaLevel = z.infer<typeof GpuQuotaLevel>;

export const QuotaQuery = z.object({ course: z.string().max(64) });

/** GET /users/{name}/quota?course=: this week's GPU-hours for the student's meter. */
export const QuotaResponse = z.object({
  username: z.string(),
  course: z.object({ slug: z.string(), title: z.string() }),
  weekStart: Timestamp,
  resetsAt: Timestamp,
  usedHours: z.number(),
  /** The policy's (or the user's override's) weekly hours; null = no limit. */
  weeklyHours: z.number().nullable(),
  grantedHours: z.number(),
  allowedHours: z.number().nullable(),
  remainingHours: z.number().nullable(),
  /** warning ≥ 80%, critical ≥ 95%, exhausted = 100% (the server is stopped, GPU starts refused). */
  level: GpuQuotaLevel,
  /** The user's server is holding a GPU right now (the meter is running). */
  holdingGpu: z.boolean(),
});
export type QuotaResponse = z.infer<typeof QuotaResponse>;

export const GrantBody = z.strictObject({
  username: Username,
  course: z.string().max(64),
  hours: z.number().positive().max(1000),
  reason: z.string().trim().min(1).max(500),
  /** Any moment of the week the hours are for; default this week. */
  week: Timestamp.optional(),
});
export type GrantBody = z.infer<typeof GrantBody>;

export const GrantView = z.object({
  id: z.string(),
  username: z.string(),
  course: z.string(),
  weekStart: Timestamp,
  hours: z.number(),
  reason: z.string(),
  grantedBy: z.string().nullable(),
  createdAt: Timestamp,
});
export const GrantResponse = z.object({ grant: GrantView });
export const GrantListQuery = z.object({ course: z.string().max(64), username: z.string().max(32).optional() });
export const GrantList = z.object({ grants: z.array(GrantView) });

const Hours = z.number().min(0).max(1000);
const Cpus = z.number().positive().max(256);
const MemoryMb = z.number().int().min(256).max(4 * 1024 * 1024);
/** A student's disk (AULA_VOLUME_MODE=disk); the database holds the same bounds. */
const DiskMb = z.number().int().min(32).max(4 * 1024 * 1024);
const Seconds = z.number().int().min(60).max(30 * 24 * 3600);
const MaxServers = z.number().int().min(0).max(10);

export const QuotaPolicyView = z.object({
  maxServers: z.number().int(),
  cpus: z.number().nullable(),
  memoryMb: z.number().int().nullable(),
  diskMb: z.number().int().nullable(),
  gpuHoursPerWeek: z.number().nullable(),
  idleTimeoutS: z.number().int(),
  maxAgeS: z.number().int(),
  updatedAt: Timestamp.nullable(),
});
export const QuotaPolicyResponse = z.object({ course: z.string(), policy: QuotaPolicyView });
export type QuotaPolicyResponse = z.infer<typeof QuotaPolicyResponse>;

/** Only the fields sent change; null clears a limit (no GPU-hour limit, environment's or deployment's default size). */
export const QuotaPolicyPatch = z.strictObject({
  maxServers: MaxServers.optional(),
  cpus: Cpus.nullable().optional(),
  memoryMb: MemoryMb.nullable().optional(),
  diskMb: DiskMb.nullable().optional(),
  gpuHoursPerWeek: Hours.nullable().optional(),
  idleTimeoutS: Seconds.optional(),
  maxAgeS: Seconds.optional(),
});

export const QuotaOverrideView = z.object({
  username: z.string(),
  maxServers: z.number().int().nullable(),
  cpus: z.number().nullable(),
  memoryMb: z.number().int().nullable(),
  diskMb: z.number().int().nullable(),
  gpuHoursPerWeek: z.number().nullable(),
  idleTimeoutS: z.number().int().nullable(),
  maxAgeS: z.number().int().nullable(),
  updatedAt: Timestamp,
});
export const QuotaOverrideResponse = z.object({ course: z.string(), override: QuotaOverrideView.nullable() });
export const QuotaOverrideList = z.object({ course: z.string(), overrides: z.array(QuotaOverrideView) });

/** The whole override: every field, null = as the course policy. */
export const QuotaOverrideBody = z.strictObject({
  maxServers: MaxServers.nullable().default(null),
  cpus: Cpus.nullable().default(null),
  memoryMb: MemoryMb.nullable().default(null),
  diskMb: DiskMb.nullable().default(null),
  gpuHoursPerWeek: Hours.nullable().default(null),
  idleTimeoutS: Seconds.nullable().default(null),
  maxAgeS: Seconds.nullable().default(null),
});
