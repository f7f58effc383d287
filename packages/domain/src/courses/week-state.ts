import type { WeekState } from "@aula/contracts";
import { isWeekReleased } from "../servers/week-visibility";

interface WeekTimes {
  releasedAt: Date | null;
  releaseAt: Date | null;
  closedAt: Date | null;
}

/**
 * The state an instructor reads, derived from the same three timestamps isWeekReleased reads, so
 * the course page and the start preflight never disagree: a scheduled week turns "released" the
 * moment its releaseAt passes, with no worker tick in between.
 */
export function weekState(week: WeekTimes, now: Date): WeekState {
  if (week.closedAt && week.closedAt <= now) return "closed";
  if (isWeekReleased(week, now)) return "released";
  if (week.releaseAt && week.releaseAt > now) return "scheduled";
  return "draft";
}

/**
 * True when a server started on `server.image` is not what the week's environment publishes now
 * (another environment was chosen, or the same one was rebuilt). New starts get the new image;
 * a running server keeps its own until restarted.
 */
export function isServerOutdated(
  server: { image: string; environmentId: string },
  week: { environmentId: string | null; environment: { publishedImage: string | null } | null },
): boolean {
  if (!week.environmentId || !week.environment?.publishedImage) return false;
  return server.environmentId !== week.environmentId || server.image !== week.environment.publishedImage;
}
