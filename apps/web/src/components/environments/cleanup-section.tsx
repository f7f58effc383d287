"use client";

import { useEffect, useRef, useState } from "react";
import { errorMessage } from "../../lib/api";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { formatMb } from "./format";

// The api's MaintenanceJobView (apps/api/src/routes/maintenance): the worker runs the cleanup,
// the page polls the job until it is done.
type CleanupAction = "prune-build-cache" | "remove-unused-images";
interface CleanupJob {
  id: string;
  action: CleanupAction;
  status: "queued" | "running" | "done" | "failed";
  result: { spaceFreedBytes: number; removed: string[]; kept: { image: string; reason: string }[] } | null;
  error: string | null;
}

const POLL_MS = 1_000;

const ACTIONS: { action: CleanupAction; label: string; confirm: string }[] = [
  {
    action: "prune-build-cache",
    label: "Prune build cache",
    confirm: "Prune Docker's build cache? Published images and running servers are not touched; the next build of each environment starts from scratch and takes longer.",
  },
  {
    action: "remove-unused-images",
    label: "Remove unused images",
    confirm: "Remove environment images that are neither published nor used by a container? Published images and running servers are kept.",
  },
];

function summary(job: CleanupJob): string {
  if (job.status === "failed") return `The cleanup failed: ${job.error ?? "no reason was recorded"}.`;
  if (job.status !== "done" || !job.result) return job.status === "running" ? "Cleaning up…" : "Waiting for the worker…";
  const freed = `Freed ${formatMb(job.result.spaceFreedBytes / 1_000_000)}`;
  if (job.action === "prune-build-cache") return `${freed} of build cache.`;
  const removed = job.result.removed.length;
  return `${freed}: removed ${removed} ${removed === 1 ? "image" : "images"}, kept ${job.result.kept.length}.`;
}

/** Disk cleanup for the admin: the seed's prune commands as confirmed, audited worker jobs. */
export function CleanupSection() {
  const api = useApi();
  const [job, setJob] = useState<CleanupJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);

  const poll = (id: string) => {
    timer.current = setTimeout(async () => {
      try {
        const { job: next } = await api.get<{ job: CleanupJob }>(`/maintenance/jobs/${encodeURIComponent(id)}`);
        setJob(next);
        if (next.status === "queued" || next.status === "running") poll(id);
      } catch (e) {
        setError(errorMessage(e));
      }
    }, POLL_MS);
  };

  const run = async (action: CleanupAction, question: string) => {
    if (!window.confirm(question)) return;
    setError(null);
    try {
      const { job: queued } = await api.send<{ job: CleanupJob }>("POST", `/maintenance/${action}`, { confirm: true });
      setJob(queued);
      poll(queued.id);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const busy = job !== null && (job.status === "queued" || job.status === "running");
  return (
    <section className="card" aria-labelledby="cleanup-heading">
      <h2 id="cleanup-heading">Disk cleanup</h2>
      <p className="small">Old image versions and the build cache fill the disk over a course. Neither action touches a published image or a running server.</p>
      <div className="actions">
        {ACTIONS.map(({ action, label, confirm }) => (
          <button key={action} type="button" className="button small" disabled={busy} onClick={() => void run(action, confirm)}>
            {label}
          </button>
        ))}
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      {job && (
        <div className="report" role="status" aria-live="polite">
          <p className="report-summary">{summary(job)}</p>
          {job.result && job.result.kept.length > 0 && (
            <ul className="small">
              {job.result.kept.map((k) => (
                <li key={k.image}>
                  <span className="mono">{k.image}</span> kept: {k.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
