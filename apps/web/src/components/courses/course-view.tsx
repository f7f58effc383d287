"use client";

import type { CourseDetail, CourseResponse, CourseWeek, EnvironmentView } from "@aula/contracts";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { errorMessage } from "../../lib/api";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { CollectSection } from "./collect-section";
import styles from "./courses.module.css";
import { InstructorsSection } from "./instructors-section";
import { RosterSection } from "./roster-section";
import { StudentsSection } from "./students-section";
import { WeeksSection } from "./weeks-section";

type State = { status: "loading" } | { status: "error"; message: string } | { status: "loaded"; course: CourseDetail };

/** One course as its instructors run it: weeks, students, roster, collecting work. */
export function CourseView({ slug }: { slug: string }) {
  const api = useApi();
  const [state, setState] = useState<State>({ status: "loading" });
  const [environments, setEnvironments] = useState<EnvironmentView[]>([]);
  // Bumped when the roster changes, so the students grid reloads.
  const [rosterVersion, setRosterVersion] = useState(0);
  const base = `/courses/${encodeURIComponent(slug)}`;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const { course } = await api.get<CourseResponse>(base, signal);
        setState({ status: "loaded", course });
      } catch (error) {
        if (!signal?.aborted) setState({ status: "error", message: errorMessage(error) });
      }
    },
    [api, base],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    api
      .get<{ environments: EnvironmentView[] }>("/environments", controller.signal)
      .then((r) => setEnvironments(r.environments))
      .catch(() => {
        // Without the list, the select shows each week's current environment only.
      });
    return () => controller.abort();
  }, [api, load]);

  const onWeek = useCallback((week: CourseWeek) => {
    setState((s) => (s.status === "loaded" ? { status: "loaded", course: { ...s.course, weekList: s.course.weekList.map((w) => (w.number === week.number ? week : w)) } } : s));
  }, []);

  if (state.status === "loading") return <p className="muted">Loading the course…</p>;
  if (state.status === "error") {
    return (
      <>
        <PageHeader title="Course" />
        <ErrorText>{state.message}</ErrorText>
        <p>
          <Link href="/courses">Back to your courses</Link>
        </p>
      </>
    );
  }
  const { course } = state;
  return (
    <>
      <PageHeader title={course.title}>
        <p>
          <span className="mono">{course.slug}</span> · {course.releasedWeeks} of {course.weeks} weeks released · {course.students} students · <Link href="/courses">All courses</Link>
        </p>
      </PageHeader>
      <div className={styles.sections}>
        <WeeksSection slug={course.slug} weeks={course.weekList} environments={environments} onWeek={onWeek} onReload={() => void load()} />
        <StudentsSection slug={course.slug} version={rosterVersion} onChanged={() => setRosterVersion((v) => v + 1)} />
        <RosterSection slug={course.slug} onChanged={() => setRosterVersion((v) => v + 1)} />
        <CollectSection slug={course.slug} weeks={course.weekList} />
        <InstructorsSection slug={course.slug} instructors={course.instructors} onChanged={(c) => setState({ status: "loaded", course: c })} />
      </div>
    </>
  );
}
