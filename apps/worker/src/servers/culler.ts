import { requestServerStop, resolveServerLimits } from "@aula/domain";
import { enqueueStop, publishProgress, type StopQueue } from "@aula/queue";
import { activityKey } from "@aula/queue/messages";
import type { ServerJobDeps } from "./spawn-processor";

// Students get this long between the warning (banner + progress event) and the stop.
export const CULL_WARNING_S = 5 * 60;

/**
 * Idle culling with a warning first. Activity comes from the gateway's Redis hash (no DB write
 * per request); the course policy (or the user's override) sets the idle timeout and the
 * maximum session age.
 */
export async function cullIdleServers(deps: ServerJobDeps & { stops: StopQueue }, now: Date = new Date()): Promise<{ warned: number; stopped: number }> {
  const { db, publisher, prefix } = deps;
  const running = await db.server.findMany({ where: { status: "RUNNING" }, include: { user: { select: { username: true } }, environment: true } });
  if (running.length === 0) return { warned: 0, stopped: 0 };
  const activity = await publisher.hmget(activityKey(prefix), ...running.map((s) => s.id));
  let warned = 0;
  let stopped = 0;
  for (const [i, server] of running.entries()) {
    const limits = await resolveServerLimits(db, { courseId: server.courseId, userId: server.userId, environment: server.environment });
    const seen = Math.max(Number(activity[i] ?? 0), (server.lastActivityAt ?? server.readyAt ?? server.queuedAt).getTime());
    const idleS = (now.getTime() - seen) / 1000;
    const ageS = (now.getTime() - (server.readyAt ?? server.queuedAt).getTime()) / 1000;
    let reason: string | null = null;
    if (ageS >= limits.maxAgeS) reason = `Stopped after reaching the maximum session length (${Math.round(limits.maxAgeS / 3600)} h). Your files are kept.`;
    else if (idleS >= limits.idleTimeoutS) reason = `Stopped after ${Math.round(limits.idleTimeoutS / 60)} minutes without activity. Your files are kept.`;
    if (reason) {
      const { needsJob } = await requestServerStop(db, { username: server.user.username, reason }, now);
      if (needsJob) await enqueueStop(deps.stops, { serverId: server.id });
      stopped++;
      continue;
    }
    const warnAt = Math.min(limits.idleTimeoutS - CULL_WARNING_S, limits.maxAgeS - CULL_WARNING_S);
    if (!server.cullWarnedAt && (idleS >= limits.idleTimeoutS - CULL_WARNING_S || ageS >= limits.maxAgeS - CULL_WARNING_S) && warnAt > 0) {
      await db.server.update({ where: { id: server.id }, data: { cullWarnedAt: now } });
      await publishProgress(publisher, prefix, {
        serverId: server.id,
        phase: "ready",
        message: "Your server will stop in about 5 minutes for inactivity or session length. Save your work; any activity keeps an idle server running.",
        progress: 100,
      }).catch(() => {});
      warned++;
    } else if (server.cullWarnedAt && idleS < limits.idleTimeoutS - CULL_WARNING_S && ageS < limits.maxAgeS - CULL_WARNING_S) {
      await db.server.update({ where: { id: server.id }, data: { cullWarnedAt: null } });
    }
  }
  return { warned, stopped };
}
