"use client";

import type { QuotaResponse } from "@aula/contracts";
import { useEffect, useState } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { formatHours } from "./format-duration";
import styles from "./gpus.module.css";

const NOTES: Record<QuotaResponse["level"], string> = {
  unlimited: "",
  ok: "",
  warning: "You have used over 80% of this week's GPU time.",
  critical: "Almost out of GPU time: your server stops when it runs out. Save your work.",
  exhausted: "You have used this week's GPU time. Start on CPU, or ask an administrator for more hours.",
};

/**
 * A student's weekly GPU-hours in one course (GET /users/{name}/quota?course=), Kaggle-style:
 * used against allowed, with the reset date. Refreshes every 30 s while a GPU is held.
 */
export function QuotaMeter({ username, course }: { username: string; course: string }) {
  const api = useApi();
  const [quota, setQuota] = useState<QuotaResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      let holding = false;
      try {
        const q = await api.get<QuotaResponse>(`/users/${encodeURIComponent(username)}/quota?course=${encodeURIComponent(course)}`, controller.signal);
        setQuota(q);
        setError(null);
        holding = q.holdingGpu;
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(errorMessage(e));
      }
      timer = setTimeout(() => void load(), holding ? 30_000 : 120_000);
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, username, course]);

  if (error) return <p className="muted small">GPU-hours: {error}</p>;
  if (!quota) return null;
  if (quota.allowedHours === null) {
    return (
      <p className="small" aria-label="GPU-hours this week">
        GPU time this week: {formatHours(quota.usedHours)} used (no weekly limit in {quota.course.title}).
      </p>
    );
  }
  const fraction = quota.allowedHours > 0 ? Math.min(1, quota.usedHours / quota.allowedHours) : 1;
  return (
    <div className={`${styles.meter} ${styles[`level-${quota.level}`] ?? ""}`} aria-label="GPU-hours this week">
      <div className="small">
        GPU time this week in {quota.course.title}: <strong>{formatHours(quota.usedHours)}</strong> of {formatHours(quota.allowedHours)}
        {quota.grantedHours > 0 && <span className="muted"> (includes {formatHours(quota.grantedHours)} granted)</span>}
      </div>
      <span className={styles.meterBar} role="meter" aria-valuemin={0} aria-valuemax={quota.allowedHours} aria-valuenow={Math.min(quota.usedHours, quota.allowedHours)}>
        <span className={styles.meterFill} style={{ width: `${Math.round(fraction * 100)}%` }} />
      </span>
      <div className={`muted ${styles.meterNote}`}>
        {NOTES[quota.level] ? <strong>{NOTES[quota.level]} </strong> : null}
        {formatHours(quota.remainingHours ?? 0)} left · resets {formatDateTime(quota.resetsAt)}
      </div>
    </div>
  );
}
