"use client";

import type { MyCourse, MyWeek, ServerView } from "@aula/contracts";
import { formatDateTime } from "../../lib/format";
import { isActiveStatus } from "../../lib/server-status";
import { ErrorText } from "../ui/error-text";

export type GpuChoice = "gpu-or-cpu" | "gpu" | "cpu";

export const gpuChoices: { value: GpuChoice; label: string; hint: string }[] = [
  { value: "gpu-or-cpu", label: "A GPU if one is free, otherwise CPU", hint: "Starts at once; on CPU when every GPU is taken or your GPU-hours are used up." },
  { value: "gpu", label: "Wait for a GPU", hint: "Your server waits in the queue until a GPU is free." },
  { value: "cpu", label: "CPU only", hint: "Does not use your GPU-hours." },
];

/** The request body's GPU fields for a week's environment and the student's choice. */
export function gpuRequestFor(week: MyWeek, choice: GpuChoice): { gpu: "none" | "required" | "preferred"; cpuFallback?: boolean } {
  const gpu = week.environment?.gpu ?? "none";
  if (gpu === "none") return { gpu: "none" };
  if (gpu === "required") return { gpu: "required" };
  if (choice === "cpu") return { gpu: "none" };
  if (choice === "gpu") return { gpu: "required" };
  return { gpu: "preferred", cpuFallback: true };
}

export interface StartTarget {
  course: string;
  week: number;
}

export interface WeekError extends StartTarget {
  message: string;
}

/** Why a week cannot be started right now, or null when it can. */
function blockedReason(week: MyWeek): string | null {
  if (!week.released) return week.releaseAt ? `Opens ${formatDateTime(week.releaseAt)}.` : "Not released yet.";
  if (!week.environment) return "No environment chosen yet.";
  if (!week.environment.ready) return "Its environment is being prepared.";
  return null;
}

function GpuBadge({ gpu }: { gpu: "none" | "optional" | "required" }) {
  if (gpu === "required") return <span className="badge badge-gpu">GPU required</span>;
  if (gpu === "optional") return <span className="badge badge-gpu-optional">GPU optional</span>;
  return null;
}

export function CourseWeeks({
  course,
  server,
  starting,
  weekError,
  locked,
  onStart,
}: {
  course: MyCourse;
  server: ServerView | null;
  starting: StartTarget | null;
  weekError: WeekError | null;
  /** While the server is not known yet: a Start now could only answer "already running". */
  locked: boolean;
  onStart: (course: MyCourse, week: MyWeek) => void;
}) {
  const busy = server !== null && isActiveStatus(server.status);
  const headingId = `course-${course.slug}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="course-head">
        <h2 id={headingId}>{course.title}</h2>
        {course.role === "instructor" && <span className="badge badge-off">You teach this course</span>}
      </div>
      {course.weeks.length === 0 ? (
        <p className="muted">{course.role === "instructor" ? "This course has no weeks yet." : "No week of this course has been released yet. Your instructor releases them one by one."}</p>
      ) : (
        <ul className="weeks">
          {course.weeks.map((week) => {
            const blocked = blockedReason(week);
            const isCurrent = server !== null && busy && server.course.slug === course.slug && server.week.number === week.number;
            const isStarting = starting !== null && starting.course === course.slug && starting.week === week.number;
            const error = weekError && weekError.course === course.slug && weekError.week === week.number ? weekError.message : null;
            return (
              <li key={week.number} className={`week${blocked ? " week-blocked" : ""}${isCurrent ? " week-current" : ""}`}>
                <div className="week-main">
                  <p className="week-title">
                    <span className="week-number">Week {week.number}</span> {week.title === `Week ${week.number}` ? null : week.title}
                  </p>
                  <p className="week-meta small">
                    {week.environment ? (
                      <>
                        <span>{week.environment.title}</span>
                        <GpuBadge gpu={week.environment.gpu} />
                        {!week.environment.ready && <span className="badge badge-preparing">being prepared</span>}
                      </>
                    ) : (
                      <span className="muted">No environment chosen yet</span>
                    )}
                    {!week.released && <span className="badge badge-off">{week.releaseAt ? `Opens ${formatDateTime(week.releaseAt)}` : "Not released"}</span>}
                    {isCurrent && <span className="badge badge-on">Your server</span>}
                    {isCurrent && week.restartForNewEnvironment && <span className="badge badge-preparing">Restart to get the new environment</span>}
                  </p>
                  {error && <ErrorText>{error}</ErrorText>}
                </div>
                <div className="week-action">
                  <button
                    type="button"
                    className="button primary"
                    aria-label={`Start week ${week.number}`}
                    aria-describedby={blocked ? `${headingId}-w${week.number}-why` : undefined}
                    disabled={blocked !== null || busy || locked || starting !== null}
                    onClick={() => onStart(course, week)}
                  >
                    {isStarting ? "Starting…" : "Start"}
                  </button>
                  {blocked && (
                    <span id={`${headingId}-w${week.number}-why`} className="visually-hidden">
                      {blocked}
                    </span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
