"use client";

import type { GpuBoard, GpuQueueEntryView, GpuUsage, GpuView } from "@aula/contracts";
import { useEffect, useState } from "react";
import { API_BASE, errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { formatDuration, formatHours, formatMemory } from "./format-duration";
import styles from "./gpus.module.css";

type StreamState = "connecting" | "live" | "reconnecting";

/** The board over SSE (GET /gpus/stream, a fresh board every 2 s); EventSource reconnects by itself. */
function useGpuBoard() {
  const [board, setBoard] = useState<GpuBoard | null>(null);
  const [stream, setStream] = useState<StreamState>("connecting");
  useEffect(() => {
    const source = new EventSource(`${API_BASE}/gpus/stream`, { withCredentials: true });
    source.addEventListener("board", (e) => {
      try {
        setBoard(JSON.parse((e as MessageEvent<string>).data) as GpuBoard);
        setStream("live");
      } catch {
        // A malformed frame is skipped; the next one comes in 2 s.
      }
    });
    source.onerror = () => setStream("reconnecting");
    return () => source.close();
  }, []);
  return { board, stream };
}

function useUsage() {
  const api = useApi();
  const [usage, setUsage] = useState<GpuUsage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        setUsage(await api.get<GpuUsage>("/gpus/usage?days=14", controller.signal));
        setError(null);
      } catch (e) {
        if (!controller.signal.aborted) setError(errorMessage(e));
      }
    };
    void load();
    const timer = setInterval(() => void load(), 60_000);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [api]);
  return { usage, error };
}

function Total({ value, label }: { value: number; label: string }) {
  return (
    <div className={styles.total}>
      <span className={styles.totalValue}>{value}</span>
      <span className={styles.totalLabel}>{label}</span>
    </div>
  );
}

function Bar({ fraction, label }: { fraction: number; label: string }) {
  return (
    <span className={styles.bar} role="img" aria-label={label}>
      <span className={styles.barFill} style={{ width: `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%` }} />
    </span>
  );
}

function GpuCard({ gpu }: { gpu: GpuView }) {
  const classes = [styles.gpu, gpu.holders.length ? styles.gpuBusy : "", gpu.present ? "" : styles.gpuAbsent].filter(Boolean).join(" ");
  const capacity = gpu.share ?? 1;
  return (
    <article className={classes} aria-label={`GPU ${gpu.index}: ${gpu.name}`}>
      <div className={styles.gpuHead}>
        <span className="mono small">#{gpu.index}</span>
        <span className={styles.gpuName}>{gpu.name}</span>
        <span className="muted small">{formatMemory(gpu.memoryMb)}</span>
        {gpu.simulated && <span className={`badge ${styles.simulated}`}>simulated</span>}
        {!gpu.present && <span className="badge status-failed">gone</span>}
        {gpu.migParent && <span className="badge badge-off">split into MIG slices</span>}
        {gpu.share && gpu.share > 1 && <span className="badge badge-gpu">shared ×{gpu.share}</span>}
      </div>
      <div className="mono small muted">{gpu.uuid}</div>
      {gpu.utilizationPct !== null && (
        <>
          <span className="small">Utilisation {gpu.utilizationPct}%</span>
          <Bar fraction={gpu.utilizationPct / 100} label={`Utilisation ${gpu.utilizationPct}%`} />
        </>
      )}
      {gpu.memoryUsedMb !== null && (
        <>
          <span className="small">
            Memory {formatMemory(gpu.memoryUsedMb)} of {formatMemory(gpu.memoryMb)}
          </span>
          <Bar fraction={gpu.memoryMb ? gpu.memoryUsedMb / gpu.memoryMb : 0} label={`Memory used ${gpu.memoryUsedMb} MB`} />
        </>
      )}
      {gpu.simulated && <p className="muted small">No driver readings: this GPU is declared by AULA_GPUS.</p>}
      {gpu.migParent ? null : gpu.holders.length === 0 ? (
        <p className="small">{gpu.present ? "Free" : "Not reported by nvidia-smi any more"}</p>
      ) : (
        <ul className={styles.holders}>
          {gpu.holders.map((h) => (
            <li key={h.serverId} className="small">
              <strong className="mono">{h.username}</strong> · {h.course.title} week {h.week} · {formatDuration(h.heldSeconds)}
              {capacity > 1 && <span className="muted"> (slot {h.slot + 1})</span>}
              <span className="muted"> · since {formatDateTime(h.since)}</span>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}

function eta(entry: GpuQueueEntryView): string {
  if (entry.admissible) return "starting now";
  if (entry.etaSeconds === null) return "unknown";
  return entry.etaBasis === "typical" ? `about ${formatDuration(entry.etaSeconds)}` : `at most ${formatDuration(entry.etaSeconds)}`;
}

function QueueTable({ queue }: { queue: GpuQueueEntryView[] }) {
  if (queue.length === 0) return <p className="muted">Nobody is waiting for a GPU.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Student</th>
            <th scope="col">Course</th>
            <th scope="col">Waiting</th>
            <th scope="col">Estimated wait</th>
          </tr>
        </thead>
        <tbody>
          {queue.map((e) => (
            <tr key={e.serverId}>
              <td data-label="#">{e.position}</td>
              <td data-label="Student" className="mono">
                {e.username}
                {e.cpuFallback && <span className="muted small"> (CPU if none free)</span>}
              </td>
              <td data-label="Course">
                {e.course.title} · week {e.week}
                {e.share > 1 && <span className="muted small"> · shared ×{e.share}</span>}
              </td>
              <td data-label="Waiting">{formatDuration(e.waitingSeconds)}</td>
              <td data-label="Estimated wait">{eta(e)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function UsageTable({ usage }: { usage: GpuUsage }) {
  if (usage.courses.length === 0) return <p className="muted">No GPU time used in the last {usage.days.length} days.</p>;
  const days = usage.days.slice(-7);
  const offset = usage.days.length - days.length;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Course</th>
            {days.map((d) => (
              <th key={d} scope="col" className={styles.usageCell}>
                {d.slice(5)}
              </th>
            ))}
            <th scope="col" className={styles.usageCell}>
              {usage.days.length} days
            </th>
          </tr>
        </thead>
        <tbody>
          {usage.courses.map((c) => (
            <tr key={c.slug}>
              <td data-label="Course">{c.title}</td>
              {days.map((d, i) => (
                <td key={d} data-label={d} className={styles.usageCell}>
                  {formatHours(c.hours[offset + i] ?? 0)}
                </td>
              ))}
              <td data-label="Total" className={styles.usageCell}>
                {formatHours(c.hours.reduce((a, b) => a + b, 0))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** /admin/gpus: who holds which GPU, the queue, and GPU-hours per course, live. */
export function GpuBoardView() {
  const { board, stream } = useGpuBoard();
  const { usage, error: usageError } = useUsage();
  const anySimulated = board?.gpus.some((g) => g.simulated) ?? false;
  return (
    <>
      <PageHeader title="GPUs">
        <p>
          Who holds which GPU, who is waiting, and GPU-hours used.{" "}
          <span className="muted small" aria-live="polite">
            {stream === "live" ? "Live." : stream === "connecting" ? "Connecting…" : "Connection lost; reconnecting…"}
          </span>
        </p>
      </PageHeader>
      {anySimulated && (
        <div className="notice notice-block" role="status">
          <p className="notice-title">Simulated GPUs</p>
          <p>
            {board?.simulated ? "Every GPU here is" : "Some GPUs here are"} declared by <code>AULA_GPUS</code> on a machine without an NVIDIA driver. Allocation, the queue and GPU-hour quotas run for real; containers get no GPU device.
          </p>
        </div>
      )}
      <section className="card" aria-labelledby="gpu-devices">
        <h2 id="gpu-devices">Devices</h2>
        {!board ? (
          <p className="muted">Loading the GPU board…</p>
        ) : (
          <>
            <div className={styles.totals}>
              <Total value={board.totals.devices} label="GPUs" />
              <Total value={board.totals.allocated} label="held" />
              <Total value={board.totals.freeDevices} label="free" />
              <Total value={board.totals.queued} label="waiting" />
              <Total value={board.totals.runningServers} label="servers running" />
            </div>
            {board.gpus.length === 0 ? (
              <p>No GPUs on this machine. Set AULA_GPUS (for example sim:2xH100-80GB) to simulate some, or install the NVIDIA driver.</p>
            ) : (
              <div className={styles.gpuGrid}>
                {board.gpus.map((g) => (
                  <GpuCard key={g.id} gpu={g} />
                ))}
              </div>
            )}
          </>
        )}
      </section>
      <section className="card" aria-labelledby="gpu-queue">
        <h2 id="gpu-queue">Queue</h2>
        {board ? <QueueTable queue={board.queue} /> : <p className="muted">Loading…</p>}
        <p className="muted small">Courses take turns; within a course, first come, first served. “At most” estimates assume every session ahead runs to its time limit.</p>
      </section>
      <section className="card" aria-labelledby="gpu-usage">
        <h2 id="gpu-usage">GPU-hours per course</h2>
        {usageError && <ErrorText>{usageError}</ErrorText>}
        {usage ? <UsageTable usage={usage} /> : !usageError && <p className="muted">Loading…</p>}
      </section>
    </>
  );
}
