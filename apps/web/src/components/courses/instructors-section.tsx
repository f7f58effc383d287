"use client";

import type { CourseDetail, CourseResponse } from "@aula/contracts";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";

/** Who teaches the course: add an instructor account, remove one (never the last). */
export function InstructorsSection({ slug, instructors, onChanged }: { slug: string; instructors: CourseDetail["instructors"]; onChanged: (course: CourseDetail) => void }) {
  const api = useApi();
  const base = `/courses/${encodeURIComponent(slug)}/instructors`;
  const [username, setUsername] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<CourseResponse>) {
    setBusy(true);
    setError(null);
    try {
      onChanged((await action()).course);
      setUsername("");
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function onAdd(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (username.trim()) void run(() => api.send<CourseResponse>("POST", base, { username: username.trim().toLowerCase() }));
  }

  return (
    <section className="card" aria-labelledby="instructors-heading">
      <h2 id="instructors-heading">Instructors</h2>
      {instructors.length === 0 ? (
        <p className="muted small">No instructors: only administrators manage this course.</p>
      ) : (
        <ul>
          {instructors.map((i) => (
            <li key={i.username}>
              <span className="mono">{i.username}</span> {i.displayName}{" "}
              <button type="button" className="button small subtle" disabled={busy} onClick={() => void run(() => api.send<CourseResponse>("DELETE", `${base}/${encodeURIComponent(i.username)}`))} aria-label={`Remove instructor ${i.username}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="toolbar" onSubmit={onAdd}>
        <div className="field">
          <label htmlFor="add-instructor">Instructor username</label>
          <input id="add-instructor" value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <button type="submit" className="button" disabled={busy}>
          Add instructor
        </button>
      </form>
      {error && <ErrorText>{error}</ErrorText>}
    </section>
  );
}
