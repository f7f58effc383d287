"use client";

import type { CourseList, CourseResponse, CourseSummary } from "@aula/contracts";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { formatDate } from "../../lib/format";
import { useApi, useUser } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";

type State = { status: "loading" } | { status: "error"; message: string } | { status: "loaded"; courses: CourseSummary[] };

/** Instructors' home: the courses they teach (admins: every course) and a way to start one. */
export function CoursesView() {
  const api = useApi();
  const user = useUser();
  const [state, setState] = useState<State>({ status: "loading" });

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const list = await api.get<CourseList>("/courses", signal);
        setState({ status: "loaded", courses: list.courses });
      } catch (error) {
        if (!signal?.aborted) setState({ status: "error", message: errorMessage(error) });
      }
    },
    [api],
  );
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  return (
    <>
      <PageHeader title="Courses">
        <p>
          {user.role === "admin" ? "Every course on this installation." : "The courses you teach."} Release weeks, share materials, follow your students and collect their work.{" "}
          <Link href="/dashboard">Your own server</Link> is on the dashboard.
        </p>
      </PageHeader>

      <section className="card" aria-labelledby="course-list">
        <h2 id="course-list">Your courses</h2>
        {state.status === "loading" && <p className="muted">Loading courses…</p>}
        {state.status === "error" && <ErrorText>{state.message}</ErrorText>}
        {state.status === "loaded" && state.courses.length === 0 && <p className="muted">You do not teach a course yet. Create one below, or ask an admin to add you to one.</p>}
        {state.status === "loaded" && state.courses.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Course</th>
                  <th scope="col">Weeks released</th>
                  <th scope="col">Students</th>
                  <th scope="col">Instructors</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {state.courses.map((c) => (
                  <tr key={c.slug}>
                    <td data-label="Course">
                      <Link href={`/courses/${encodeURIComponent(c.slug)}`}>{c.title}</Link> <span className="muted mono small">{c.slug}</span>
                    </td>
                    <td data-label="Weeks released">
                      {c.releasedWeeks} of {c.weeks}
                    </td>
                    <td data-label="Students">{c.students}</td>
                    <td data-label="Instructors">{c.instructors.map((i) => i.username).join(", ") || <span className="muted">—</span>}</td>
                    <td data-label="Created">{formatDate(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="create-course">
        <h2 id="create-course">Create a course</h2>
        <CreateCourseForm />
      </section>
    </>
  );
}

function CreateCourseForm() {
  const api = useApi();
  const router = useRouter();
  const [slug, setSlug] = useState("");
  const [title, setTitle] = useState("");
  const [template, setTemplate] = useState<"bootcamp" | "empty">("bootcamp");
  const [weeks, setWeeks] = useState("0");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { slug: slug.trim(), title: title.trim(), template, ...(template === "empty" ? { weeks: Number(weeks) || 0 } : {}) };
      const { course } = await api.send<CourseResponse>("POST", "/courses", body);
      router.push(`/courses/${encodeURIComponent(course.slug)}`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={onSubmit}>
      <div className="inline-form">
        <div className="field">
          <label htmlFor="course-title">Title</label>
          <input id="course-title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} placeholder="PyTorch Zero to Hero" />
        </div>
        <div className="field">
          <label htmlFor="course-slug">Address</label>
          <input id="course-slug" value={slug} onChange={(e) => setSlug(e.target.value.toLowerCase())} required maxLength={64} pattern="[a-z0-9][a-z0-9-]*" placeholder="pytorch-2026" />
          <p className="hint">Lowercase letters, digits and “-”.</p>
        </div>
        <div className="field">
          <label htmlFor="course-template">Weeks</label>
          <select id="course-template" value={template} onChange={(e) => setTemplate(e.target.value as "bootcamp" | "empty")}>
            <option value="bootcamp">The 24-week bootcamp (environment per stage)</option>
            <option value="empty">Empty</option>
          </select>
        </div>
        {template === "empty" && (
          <div className="field">
            <label htmlFor="course-weeks">Number of weeks</label>
            <input id="course-weeks" type="number" min={0} max={104} value={weeks} onChange={(e) => setWeeks(e.target.value)} />
          </div>
        )}
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      <div>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Creating…" : "Create course"}
        </button>
      </div>
    </form>
  );
}
