"use client";

import type { Collection, CollectionList, CollectionResponse, CourseWeek } from "@aula/contracts";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { formatSize } from "./raw-upload";

const POLL_MS = 2_000;

const statusLabel: Record<Collection["status"], string> = { queued: "Waiting", running: "Collecting…", ready: "Ready", failed: "Failed" };

/** Collect every student's week folder (or project) into one archive, then download it. */
export function CollectSection({ slug, weeks }: { slug: string; weeks: CourseWeek[] }) {
  const api = useApi();
  const base = `/courses/${encodeURIComponent(slug)}/collections`;
  const [collections, setCollections] = useState<Collection[]>([]);
  const [target, setTarget] = useState<string>(() => String(weeks.find((w) => w.released)?.number ?? weeks[0]?.number ?? "proyecto"));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setCollections((await api.get<CollectionList>(base)).collections);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [api, base]);
  useEffect(() => {
    void load();
  }, [load]);
  const pending = collections.some((c) => c.status === "queued" || c.status === "running");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [pending, load]);

  async function onCollect(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = target === "proyecto" ? { scope: "proyecto" } : { scope: "practicas", week: Number(target) };
      const { collection } = await api.send<CollectionResponse>("POST", base, body);
      setCollections((list) => [collection, ...list.filter((c) => c.id !== collection.id)]);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="collect-heading">
      <h2 id="collect-heading">Collect work</h2>
      <form className="toolbar" onSubmit={(e) => void onCollect(e)}>
        <div className="field grow">
          <label htmlFor="collect-target">What to collect</label>
          <select id="collect-target" value={target} onChange={(e) => setTarget(e.target.value)}>
            {weeks.map((w) => (
              <option key={w.number} value={String(w.number)}>
                Week {w.number} — everyone’s 2-practicas/week-{String(w.number).padStart(2, "0")}
              </option>
            ))}
            <option value="proyecto">Everyone’s 3-proyecto</option>
          </select>
        </div>
        <button type="submit" className="button primary" disabled={busy}>
          Collect
        </button>
      </form>
      {error && <ErrorText>{error}</ErrorText>}
      {collections.length === 0 ? (
        <p className="muted small">Nothing collected in the last week.</p>
      ) : (
        <table className="table compact" aria-label="Collections">
          <thead>
            <tr>
              <th scope="col">Asked</th>
              <th scope="col">What</th>
              <th scope="col">Status</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {collections.map((c) => (
              <tr key={c.id} data-collection={c.id}>
                <td className="small">{formatDateTime(c.requestedAt)}</td>
                <td>{c.scope === "practicas" ? `Week ${c.week ?? "?"} practicas` : "Projects"}</td>
                <td role="status">{statusLabel[c.status]}</td>
                <td className="small">
                  {c.status === "ready" && c.downloadUrl && (
                    <>
                      <a className="button small" href={c.downloadUrl} download={c.fileName}>
                        Download {c.fileName}
                      </a>{" "}
                      {c.students ?? 0} students, {c.files ?? 0} files, {formatSize(c.bytes ?? 0)}
                      {c.missing.length > 0 && <span className="muted"> · nothing from {c.missing.map((m) => `${m.username} (${m.reason})`).join(", ")}</span>}
                    </>
                  )}
                  {c.status === "failed" && <span className="error">{c.error}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
