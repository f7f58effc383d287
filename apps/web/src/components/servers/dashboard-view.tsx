"use client";

import type { MyCourse, MyCoursesResponse, MyWeek, ServerResponse } from "@aula/contracts";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { errorMessage, isApiError } from "../../lib/api";
import { isActiveStatus } from "../../lib/server-status";
import { useApi, useUser } from "../../lib/session";
import { useServer, useServerProgress } from "../../lib/use-server";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { CourseWeeks, gpuChoices, gpuRequestFor, type GpuChoice, type StartTarget, type WeekError } from "./course-weeks";
import { ServerActions, ServerDetails, ServerStatus } from "./server-panel";
import { QuotaMeter } from "../gpus/quota-meter";

type CoursesState = { status: "loading" } | { status: "error"; message: string } | { status: "loaded"; courses: MyCourse[] };

/** The student's home: their server at the top, then the released weeks of each course. */
export function DashboardView({ title }: { title: string }) {
  const api = useApi();
  const user = useUser();
  const { state: serverState, server, staleMessage, refresh, replace } = useServer(user.username);
  const progress = useServerProgress(user.username, server, () => void refresh());
  const [courses, setCourses] = useState<CoursesState>({ status: "loading" });
  const [gpuChoice, setGpuChoice] = useState<GpuChoice>("gpu-or-cpu");
  const [starting, setStarting] = useState<StartTarget | null>(null);
  const [weekError, setWeekError] = useState<WeekError | null>(null);
  const [stopping, setStopping] = useState(false);
  const [stopError, setStopError] = useState<string | null>(null);

  const loadCourses = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const response = await api.get<MyCoursesResponse>("/me/courses", signal);
        setCourses({ status: "loaded", courses: response.courses });
      } catch (error) {
        if (signal?.aborted) return;
        setCourses({ status: "error", message: errorMessage(error) });
      }
    },
    [api],
  );

  useEffect(() => {
    const controller = new AbortController();
    void loadCourses(controller.signal);
    return () => controller.abort();
  }, [loadCourses]);

  const serverPath = `/users/${encodeURIComponent(user.username)}/server`;

  async function onStart(course: MyCourse, week: MyWeek) {
    setStarting({ course: course.slug, week: week.number });
    setWeekError(null);
    setStopError(null);
    try {
      const response = await api.send<ServerResponse>("POST", serverPath, { course: course.slug, week: week.number, ...gpuRequestFor(week, gpuChoice) });
      replace(response.server);
      window.scrollTo({ top: 0, behavior: "smooth" });
    } catch (error) {
      setWeekError({ course: course.slug, week: week.number, message: errorMessage(error) });
      // Another tab (or a double press) started one: show it.
      if (isApiError(error) && error.code === "server_already_running") void refresh();
    } finally {
      setStarting(null);
    }
  }

  async function onStop() {
    setStopping(true);
    setStopError(null);
    try {
      const response = await api.send<ServerResponse>("DELETE", serverPath);
      replace(response.server);
    } catch (error) {
      setStopError(errorMessage(error));
      void refresh();
    } finally {
      setStopping(false);
    }
  }

  const loadedCourses = courses.status === "loaded" ? courses.courses : [];
  const teaches = user.role === "instructor" || loadedCourses.some((c) => c.role === "instructor");
  const hasOptionalGpu = loadedCourses.some((c) => c.weeks.some((w) => w.released && w.environment?.gpu === "optional"));
  const active = server !== null && isActiveStatus(server.status);

  return (
    <>
      <PageHeader title={title}>
        <p>Welcome, {user.displayName}.</p>
      </PageHeader>

      {teaches && (
        <div className="notice notice-block">
          <p className="notice-title">Your courses, as your students see them</p>
          <p>
            Here you can start your own server for any released week. Releasing weeks and managing students are under <Link href="/courses">Courses</Link>.
          </p>
        </div>
      )}

      <section className="card server-panel" aria-labelledby="server-heading">
        <h2 id="server-heading">Your server</h2>
        {serverState.status === "loading" ? (
          <p className="muted">Checking your server…</p>
        ) : serverState.status === "error" ? (
          <>
            <ErrorText>{serverState.message}</ErrorText>
            <button type="button" className="button" onClick={() => void refresh()}>
              Try again
            </button>
          </>
        ) : (
          <>
            <ServerStatus server={server} progress={progress} />
            {server && <ServerDetails server={server} />}
            {server && <QuotaMeter username={user.username} course={server.course.slug} />}
            {server && <ServerActions server={server} onStop={() => void onStop()} stopping={stopping || server.status === "stopping"} />}
            {!server && <p className="muted small">Start one from a week below. Your files in /bootcamp are kept between servers.</p>}
            {server && !active && <p className="muted small">Start a week below to get a new server. Your files in /bootcamp are kept.</p>}
            {stopError && <ErrorText>{stopError}</ErrorText>}
            {staleMessage && <p className="muted small">{staleMessage}</p>}
          </>
        )}
      </section>

      {courses.status === "loading" && <p className="muted">Loading your courses…</p>}
      {courses.status === "error" && (
        <section className="card">
          <ErrorText>{courses.message}</ErrorText>
          <button type="button" className="button" onClick={() => void loadCourses()}>
            Try again
          </button>
        </section>
      )}
      {courses.status === "loaded" && loadedCourses.length === 0 && (
        <section className="card">
          <h2>Your courses</h2>
          <p>You are not enrolled in any course yet. Ask your instructor to add you.</p>
        </section>
      )}

      {hasOptionalGpu && (
        <fieldset className="card gpu-choice">
          <legend>For weeks that can use a GPU</legend>
          {gpuChoices.map((choice) => (
            <label key={choice.value} className="radio">
              <input type="radio" name="gpu-choice" value={choice.value} checked={gpuChoice === choice.value} onChange={() => setGpuChoice(choice.value)} />
              <span>
                {choice.label}
                <span className="hint">{choice.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}

      {active && loadedCourses.length > 0 && <p className="muted small weeks-note">You can run one server at a time: stop yours to start another week.</p>}

      {loadedCourses.map((course) => (
        <CourseWeeks key={course.slug} course={course} server={server} starting={starting} weekError={weekError} locked={serverState.status !== "loaded"} onStart={(c, w) => void onStart(c, w)} />
      ))}
    </>
  );
}
