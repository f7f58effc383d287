"use client";

import type { BuildStatusName, BuildView } from "@aula/contracts";
import Link from "next/link";
import { useParams } from "next/navigation";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import styles from "./environments.module.css";
import { BUILD_STATUS_LABEL, buildStatusClass, formatBuildDuration, formatMb } from "./format";

type LogState = "connecting" | "live" | "reconnecting" | "ended";

interface LogEnd {
  status: BuildStatusName;
  error: string | null;
}

/**
 * The build's log over SSE: `line` {seq, line} events (stored lines first, then live ones), then
 * `end`. The stream is closed at `end`, or EventSource would reconnect and replay it.
 */
function useBuildLog(logsUrl: string | null) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<LogState>("connecting");
  const [end, setEnd] = useState<LogEnd | null>(null);
  useEffect(() => {
    if (!logsUrl) return;
    setLines([]);
    setEnd(null);
    setState("connecting");
    // Lines carry their number, so a reconnect that replays the stored part adds nothing twice.
    let next = 0;
    const source = new EventSource(logsUrl, { withCredentials: true });
    source.addEventListener("line", (e) => {
      try {
        const { seq, line } = JSON.parse((e as MessageEvent<string>).data) as { seq: number; line: string };
        setState("live");
        if (seq < next) return;
        next = seq + 1;
        setLines((prev) => [...prev, line]);
      } catch {
        // A malformed frame is skipped.
      }
    });
    source.addEventListener("end", (e) => {
      try {
        setEnd(JSON.parse((e as MessageEvent<string>).data) as LogEnd);
      } catch {
        // The end still ends the stream.
      }
      setState("ended");
      source.close();
    });
    source.onopen = () => setState((s) => (s === "ended" ? s : "live"));
    source.onerror = () => setState((s) => (s === "ended" ? s : "reconnecting"));
    return () => source.close();
  }, [logsUrl]);
  return { lines, state, end };
}

function Detail({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** /admin/builds/{id}: one image build, with its live log. */
export function BuildPageView() {
  const params = useParams<{ id: string }>();
  const id = params.id;
  const api = useApi();
  const [build, setBuild] = useState<BuildView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { lines, state, end } = useBuildLog(build ? build.logsUrl : null);
  const logRef = useRef<HTMLPreElement>(null);
  const stickRef = useRef(true);

  // The row: once, every 5 s while the build is queued or running (status, recipe), and again
  // when the log ends (status, size and duration are final then).
  const active = build !== null && end === null && (build.status === "queued" || build.status === "running");
  useEffect(() => {
    const controller = new AbortController();
    const load = () =>
      api
        .get<{ build: BuildView }>(`/builds/${encodeURIComponent(id)}`, controller.signal)
        .then((r) => {
          setBuild(r.build);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!controller.signal.aborted) setError(errorMessage(e));
        });
    void load();
    const timer = active ? setInterval(() => void load(), 5_000) : undefined;
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [api, id, end, active]);

  // Follows the bottom of the log unless the reader scrolled up.
  useEffect(() => {
    const el = logRef.current;
    if (el && stickRef.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  const onScroll = () => {
    const el = logRef.current;
    if (el) stickRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  };

  const status = end?.status ?? build?.status;
  const buildError = build?.error ?? end?.error ?? null;

  return (
    <>
      <p className={styles.back}>
        <Link href="/admin/environments">← Environments</Link>
      </p>
      <PageHeader title={build ? `Build of ${build.environment}` : "Build"}>
        {build && <p className="mono small muted">{build.id}</p>}
      </PageHeader>
      {error && <ErrorText>{error}</ErrorText>}
      {!build ? (
        !error && <p className="muted">Loading…</p>
      ) : (
        <>
          <section className="card" aria-labelledby="build-summary">
            <h2 id="build-summary">Summary</h2>
            <dl className="details">
              <Detail label="Status">{status && <span className={`badge ${buildStatusClass(status)}`}>{BUILD_STATUS_LABEL[status]}</span>}</Detail>
              <Detail label="Recipe">{build.recipe ?? <span className="muted">not chosen yet</span>}</Detail>
              <Detail label="Image tag">{build.imageTag ? <span className="mono">{build.imageTag}</span> : <span className="muted">—</span>}</Detail>
              <Detail label="Size">{formatMb(build.sizeMb)}</Detail>
              <Detail label="Layers">{build.layerCount ?? "—"}</Detail>
              <Detail label="Duration">{formatBuildDuration(build.durationMs)}</Detail>
              <Detail label="Cache">
                {build.cachedSteps !== null && build.totalSteps !== null ? `${build.cachedSteps} of ${build.totalSteps} steps cached` : "—"}
              </Detail>
              <Detail label="Requested">
                {formatDateTime(build.createdAt)}
                {build.requestedBy && <> by <span className="mono">{build.requestedBy}</span></>}
              </Detail>
              {build.startedAt && <Detail label="Started">{formatDateTime(build.startedAt)}</Detail>}
              {build.finishedAt && <Detail label="Finished">{formatDateTime(build.finishedAt)}</Detail>}
            </dl>
            {buildError && (
              <div className="notice notice-block" data-testid="build-error">
                <p className="notice-title">Why it failed</p>
                <p className="mono small">{buildError}</p>
              </div>
            )}
          </section>
          <section className="card" aria-labelledby="build-log">
            <div className={styles.logHead}>
              <h2 id="build-log">Log</h2>
              <span className="muted small" aria-live="polite">
                {state === "ended" ? "The build has ended." : state === "live" ? "Live." : state === "connecting" ? "Connecting…" : "Connection lost; reconnecting…"}
              </span>
            </div>
            <pre ref={logRef} className={styles.log} onScroll={onScroll} aria-label="Build log" tabIndex={0}>
              {lines.length === 0 ? (state === "ended" ? "(no log)" : "Waiting for the log…") : lines.join("\n")}
            </pre>
          </section>
        </>
      )}
    </>
  );
}
