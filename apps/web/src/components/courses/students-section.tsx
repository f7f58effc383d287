"use client";

import type { CourseStudent, CourseStudents, ServerAccessResponse, StudentPasswordResponse } from "@aula/contracts";
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { SecretNotice } from "../ui/secret-notice";
import styles from "./courses.module.css";

const REFRESH_MS = 15_000;

/** Students × weeks: who runs what, last activity, GPU-hours; remove, new password, open server. */
export function StudentsSection({ slug, version, onChanged }: { slug: string; version: number; onChanged: () => void }) {
  const api = useApi();
  const base = `/courses/${encodeURIComponent(slug)}`;
  const [grid, setGrid] = useState<CourseStudents | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revealed, setRevealed] = useState<{ title: string; secret: string } | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setGrid(await api.get<CourseStudents>(`${base}/students`, signal));
        setError(null);
      } catch (err) {
        if (!signal?.aborted) setError(errorMessage(err));
      }
    },
    [api, base],
  );
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    const timer = setInterval(() => void load(controller.signal), REFRESH_MS);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [load, version]);

  // Only weeks someone worked in get a column; 24 empty columns help no one.
  const weeks = grid ? grid.weeks.filter((w) => grid.students.some((s) => s.weeks.some((c) => c.week === w && (c.starts > 0 || c.running)))) : [];

  return (
    <section className="card" aria-labelledby="students-heading">
      <h2 id="students-heading">Students</h2>
      {revealed && <SecretNotice title={revealed.title} secret={revealed.secret} onDismiss={() => setRevealed(null)} />}
      {error && <ErrorText>{error}</ErrorText>}
      {grid === null && !error && <p className="muted">Loading students…</p>}
      {grid && grid.students.length === 0 && <p className="muted">No students yet. Import the class list below.</p>}
      {grid && grid.students.length > 0 && (
        <div className="table-wrap">
          <table className={`table compact ${styles.grid}`}>
            <thead>
              <tr>
                <th scope="col">Student</th>
                <th scope="col">Server</th>
                <th scope="col">Last active</th>
                <th scope="col">GPU-h this week</th>
                {weeks.map((w) => (
                  <th scope="col" key={w} title={`Week ${w}: starts · GPU-hours`}>
                    W{w}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {grid.students.map((s) => (
                <StudentRow key={s.username} slug={slug} student={s} weeks={weeks} onReveal={setRevealed} onRemoved={() => {
                  onChanged();
                  void load();
                }} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function StudentRow({ slug, student, weeks, onReveal, onRemoved }: { slug: string; student: CourseStudent; weeks: number[]; onReveal: (r: { title: string; secret: string }) => void; onRemoved: () => void }) {
  const api = useApi();
  const path = `/courses/${encodeURIComponent(slug)}/students/${encodeURIComponent(student.username)}`;
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<"remove" | "password" | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setConfirm(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const openServer = () =>
    run(async () => {
      const grant = await api.send<ServerAccessResponse>("POST", `${path}/access`);
      window.open(grant.url, "_blank", "noopener");
    });

  return (
    <>
      <tr>
        <td>
          <span className="mono">{student.username}</span>
          <span className="small muted"> {student.displayName}</span>
        </td>
        <td>
          {student.server ? (
            <>
              <span className={styles.running}>{student.server.status === "running" ? "Running" : student.server.status}</span> · week {student.server.week}
              {student.server.restartForNewEnvironment && <span className={styles.restart}>needs a restart for the new environment</span>}
            </>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="small">{student.lastActiveAt ? formatDateTime(student.lastActiveAt) : <span className="muted">never</span>}</td>
        <td>{student.gpuHoursThisWeek.toFixed(1)}</td>
        {weeks.map((w) => {
          const cell = student.weeks.find((c) => c.week === w);
          return (
            <td key={w} className={styles.cell} title={cell?.lastActiveAt ? `Last active ${formatDateTime(cell.lastActiveAt)}` : undefined}>
              {cell?.running ? <span className={styles.running}>●</span> : null}
              {cell && cell.starts > 0 ? `${cell.starts}×` : "·"}
              {cell && cell.gpuHours > 0 ? ` ${cell.gpuHours.toFixed(1)}h` : ""}
            </td>
          );
        })}
        <td>
          <div className="actions">
            {student.server?.status === "running" && (
              <button type="button" className="button small" disabled={busy} onClick={() => void openServer()} aria-label={`Open ${student.username}'s server`}>
                Open server
              </button>
            )}
            <button type="button" className="button small" disabled={busy} onClick={() => setConfirm("password")} aria-label={`New password for ${student.username}`}>
              New password
            </button>
            <button type="button" className="button small subtle" disabled={busy} onClick={() => setConfirm("remove")} aria-label={`Remove ${student.username}`}>
              Remove
            </button>
          </div>
        </td>
      </tr>
      {(confirm || error) && (
        <tr className="row-extra">
          <td colSpan={5 + weeks.length}>
            {confirm === "remove" && (
              <div className="confirm">
                <p>Remove {student.username} from the course? A server they run for it stops; their files are kept.</p>
                <button type="button" className="button small danger" disabled={busy} onClick={() => void run(async () => {
                  await api.send("DELETE", path);
                  onRemoved();
                })}>
                  Remove {student.username}
                </button>
                <button type="button" className="button small subtle" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
              </div>
            )}
            {confirm === "password" && (
              <div className="confirm">
                <p>Give {student.username} a new generated password? Their current sessions end.</p>
                <button type="button" className="button small primary" disabled={busy} onClick={() => void run(async () => {
                  const { password } = await api.send<StudentPasswordResponse>("POST", `${path}/password`);
                  onReveal({ title: `New password for ${student.username}:`, secret: password });
                })}>
                  Set a new password
                </button>
                <button type="button" className="button small subtle" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
              </div>
            )}
            {error && <ErrorText>{error}</ErrorText>}
          </td>
        </tr>
      )}
    </>
  );
}
