/** A week is open to students once released (now or by schedule) and until it is closed. */
export function isWeekReleased(week: { releasedAt: Date | null; releaseAt: Date | null; closedAt: Date | null }, now: Date): boolean {
  if (week.closedAt && week.closedAt <= now) return false;
  if (week.releasedAt && week.releasedAt <= now) return true;
  return week.releaseAt !== null && week.releaseAt <= now;
}
