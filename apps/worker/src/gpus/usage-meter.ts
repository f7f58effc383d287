import { meterGpuQuotas, quotaStopReason, quotaWarning, requestServerStop, type GpuQuotaLevel } from "@aula/domain";
import { enqueueStop, publishProgress, type StopQueue } from "@aula/queue";
import type { Redis } from "ioredis";
import type { Db } from "@aula/db";
import type { Logger } from "../log";

export interface UsageMeterDeps {
  db: Db;
  publisher: Redis;
  prefix: string;
  log: Logger;
  stops: StopQueue;
}

// Which warning a server has had, so each is sent once per server (the hash entry goes with it).
const warnedKey = (prefix: string) => `${prefix}:gpu-quota:warned`;
const rank: Record<GpuQuotaLevel, number> = { unlimited: 0, ok: 0, warning: 1, critical: 2, exhausted: 3 };

export interface MeterResult {
  metered: number;
  warned: number;
  stopped: number;
}

/**
 * The GPU-hour meter: for every server holding a GPU, this week's ledger against the allowance
 * (course policy or override, plus grants). 80% and 95% send a warning to the student's
 * progress stream; 100% stops the server with the reason, through the usual stop path, which
 * closes the ledger interval.
 */
export async function meterGpuUsage(deps: UsageMeterDeps, now: Date = new Date()): Promise<MeterResult> {
  const metered = await meterGpuQuotas(deps.db, { now });
  const key = warnedKey(deps.prefix);
  let warned = 0;
  let stopped = 0;
  for (const m of metered) {
    const level = m.quota.level;
    if (level === "exhausted") {
      const reason = quotaStopReason(m.quota);
      const { server, needsJob } = await requestServerStop(deps.db, { username: m.username, reason }, now);
      if (server.id !== m.serverId) continue;
      if (needsJob) await enqueueStop(deps.stops, { serverId: m.serverId });
      deps.log.info("GPU-hours used up; stopping", { serverId: m.serverId, username: m.username, usedHours: m.quota.usedHours, allowedHours: m.quota.allowedHours });
      stopped++;
      continue;
    }
    if (rank[level] === 0) continue;
    const previous = (await deps.publisher.hget(key, m.serverId)) as GpuQuotaLevel | null;
    if (previous && rank[previous] >= rank[level]) continue;
    await deps.publisher.hset(key, m.serverId, level);
    // Phase "ready": the server keeps running; the portal shows the message as a banner.
    await publishProgress(deps.publisher, deps.prefix, { serverId: m.serverId, phase: "ready", message: quotaWarning(m.quota), progress: 100 });
    warned++;
  }
  const holding = new Set(metered.map((m) => m.serverId));
  const known = await deps.publisher.hkeys(key);
  const gone = known.filter((id) => !holding.has(id));
  if (gone.length > 0) await deps.publisher.hdel(key, ...gone);
  return { metered: metered.length, warned, stopped };
}
