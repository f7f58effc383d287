"use client";

import type { CourseWeek, EnvironmentView, WeekResponse } from "@aula/contracts";
import { Fragment, useState } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import styles from "./courses.module.css";
import { WeekMaterials } from "./week-materials";

const stateLabel: Record<CourseWeek["state"], string> = { draft: "Not released", scheduled: "Scheduled", released: "Released", closed: "Closed" };

/** `datetime-local` wants local time without seconds or zone. */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function WeeksSection({
  slug,
  weeks,
  environments,
  onWeek,
  onReload,
}: {
  slug: string;
  weeks: CourseWeek[];
  environments: EnvironmentView[];
  onWeek: (w: CourseWeek) => void;
  onReload: () => void;
}) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <section className="card" aria-labelledby="weeks-heading">
      <h2 id="weeks-heading">Weeks</h2>
      <p className="small muted">
        Students see a week once it is released (or its scheduled time has come) and until it is closed. A new environment applies to new starts; running servers are offered a restart.
      </p>
      {weeks.length === 0 ? (
        <p className="muted">This course has no weeks.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Week</th>
                <th scope="col">State</th>
                <th scope="col">Environment</th>
                <th scope="col">Materials</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {weeks.map((week) => (
                <Fragment key={week.number}>
                  <WeekRow slug={slug} week={week} environments={environments} onWeek={onWeek} open={open === week.number} onToggle={() => setOpen(open === week.number ? null : week.number)} />
                  {open === week.number && (
                    <tr className="row-extra">
                      <td colSpan={5}>
                        <WeekMaterials slug={slug} week={week.number} onChanged={onReload} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function WeekRow({ slug, week, environments, onWeek, open, onToggle }: { slug: string; week: CourseWeek; environments: EnvironmentView[]; onWeek: (w: CourseWeek) => void; open: boolean; onToggle: () => void }) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [scheduling, setScheduling] = useState(false);
  const [at, setAt] = useState(() => localInputValue(new Date(Date.now() + 24 * 3600_000)));
  const path = `/courses/${encodeURIComponent(slug)}/weeks/${week.number}`;

  async function run(action: () => Promise<WeekResponse>) {
    setBusy(true);
    setError(null);
    try {
      onWeek((await action()).week);
      setScheduling(false);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const names = new Set(environments.map((e) => e.name));
  const current = week.environment?.name ?? "";

  return (
    <>
      <tr data-week={week.number}>
        <td data-label="Week">
          <strong>{week.number}</strong> · {week.title}
        </td>
        <td data-label="State">
          <span className={`badge ${styles.stateBadge} ${styles[`state-${week.state}`] ?? ""}`} data-testid={`week-${week.number}-state`}>
            {stateLabel[week.state]}
          </span>
          {week.state === "scheduled" && week.releaseAt && <span className="small muted"> {formatDateTime(week.releaseAt)}</span>}
        </td>
        <td data-label="Environment">
          <select
            className={styles.envSelect}
            aria-label={`Environment for week ${week.number}`}
            value={current}
            disabled={busy}
            onChange={(e) => void run(() => api.send<WeekResponse>("PATCH", path, { environment: e.target.value === "" ? null : e.target.value }))}
          >
            <option value="">None chosen</option>
            {current && !names.has(current) && <option value={current}>{week.environment?.title ?? current}</option>}
            {environments.map((env) => (
              <option key={env.name} value={env.name}>
                {env.title}
                {env.published ? "" : " (not built yet)"}
              </option>
            ))}
          </select>
          {week.environment && !week.environment.ready && <span className="small muted"> not built yet</span>}
        </td>
        <td data-label="Materials">
          <button type="button" className="button small" aria-expanded={open} onClick={onToggle} aria-label={`Materials of week ${week.number}`}>
            {week.materials.teoria} teoría · {week.materials.practicas} prácticas
          </button>
        </td>
        <td className="actions-cell">
          <div className={styles.weekActions}>
            {week.state !== "released" && (
              <button type="button" className="button small primary" disabled={busy} onClick={() => void run(() => api.send<WeekResponse>("POST", `${path}/release`))} aria-label={`Release week ${week.number} now`}>
                Release now
              </button>
            )}
            {(week.state === "draft" || week.state === "scheduled") && !scheduling && (
              <button type="button" className="button small" disabled={busy} onClick={() => setScheduling(true)} aria-label={`Schedule week ${week.number}`}>
                Schedule…
              </button>
            )}
            {week.state === "released" && (
              <button type="button" className="button small" disabled={busy} onClick={() => void run(() => api.send<WeekResponse>("POST", `${path}/close`))} aria-label={`Close week ${week.number}`}>
                Close
              </button>
            )}
            {week.state === "closed" && (
              <button type="button" className="button small" disabled={busy} onClick={() => void run(() => api.send<WeekResponse>("POST", `${path}/reopen`))} aria-label={`Reopen week ${week.number}`}>
                Reopen
              </button>
            )}
          </div>
        </td>
      </tr>
      {(scheduling || error) && (
        <tr className="row-extra">
          <td colSpan={5}>
            {scheduling && (
              <form
                className={styles.schedule}
                onSubmit={(e) => {
                  e.preventDefault();
                  const when = new Date(at);
                  if (Number.isNaN(when.getTime())) {
                    setError("Choose a date and time.");
                    return;
                  }
                  void run(() => api.send<WeekResponse>("POST", `${path}/release`, { at: when.toISOString() }));
                }}
              >
                <label htmlFor={`schedule-${week.number}`}>Release week {week.number} at</label>
                <input id={`schedule-${week.number}`} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} required />
                <button type="submit" className="button small primary" disabled={busy}>
                  Schedule
                </button>
                <button type="button" className="button small subtle" onClick={() => setScheduling(false)}>
                  Cancel
                </button>
              </form>
            )}
            {error && <ErrorText>{error}</ErrorText>}
          </td>
        </tr>
      )}
    </>
  );
}
