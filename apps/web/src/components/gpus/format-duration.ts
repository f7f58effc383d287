/** "45 s", "12 min", "3 h 20 min": short durations for the GPU board and the quota meter. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** GPU-hours for people: "0.4 h" below 10 h, whole hours above. */
export function formatHours(hours: number): string {
  if (hours >= 10) return `${Math.round(hours)} h`;
  return `${Math.round(hours * 10) / 10} h`;
}

export function formatMemory(mb: number): string {
  return mb >= 1024 ? `${Math.round(mb / 1024)} GB` : `${mb} MB`;
}
