"use client";

import type { ServerView } from "@aula/contracts";
import { formatDateTime } from "../../lib/format";
import {
  describeQueuePosition,
  describeServer,
  formatEta,
  isStartingStatus,
  progressSentence,
  progressValue,
  statusLabel,
  type ProgressEvent,
} from "../../lib/server-status";

/** The live part: status, sentence and, while starting, the progress bar. Announced politely. */
export function ServerStatus({ server, progress, whose = "Your" }: { server: ServerView | null; progress: ProgressEvent | null; whose?: string }) {
  if (!server) {
    return (
      <div className="server-status" role="status" aria-live="polite">
        <p>{whose === "Your" ? "You have no server running." : `${whose} server is not running.`}</p>
      </div>
    );
  }
  const starting = isStartingStatus(server.status);
  const event = progress && progress.serverId === server.id ? progress : null;
  const value = progressValue(server, event);
  // The stream runs ahead of the polled row: once the worker has taken a queued server, say so.
  const shown = server.status === "queued" && event && event.phase !== "queued" ? "starting" : server.status;
  return (
    <div className="server-status" role="status" aria-live="polite" data-status={shown}>
      <p className="server-status-line">
        <span className={`badge status-badge status-${shown}`}>{statusLabel[shown]}</span>
        <span>{starting ? progressSentence(server, event) : describeServer(server, whose)}</span>
      </p>
      {server.status === "running" && server.cullWarnedAt && (
        <p className="banner banner-warning">
          This server will stop in about 5 minutes for inactivity or session length. Save your work; any activity in Jupyter keeps an idle server running.
        </p>
      )}
      {starting && (
        <div className="progress-block">
          <progress className="progress" max={100} value={value} aria-label={`${whose} server's start progress`}>
            {value}%
          </progress>
          {shown === "queued" && event?.position !== undefined && (
            <p className="small muted">
              {describeQueuePosition(event.position, whose)}
              {event.etaSeconds !== undefined && ` Expected wait: ${formatEta(event.etaSeconds)}.`}
            </p>
          )}
          {shown !== "queued" && event?.etaSeconds !== undefined && <p className="small muted">Expected: {formatEta(event.etaSeconds)}.</p>}
        </div>
      )}
      {server.status === "failed" && <p className="small">Nothing of yours was lost: your files stay in /bootcamp. Try starting it again; tell your instructor if it keeps failing.</p>}
    </div>
  );
}

/** Course, week, environment and the times the API recorded; nothing the API did not say. */
export function ServerDetails({ server }: { server: ServerView }) {
  const started = server.readyAt ?? server.startedAt;
  return (
    <dl className="details server-details">
      <dt>Course</dt>
      <dd>{server.course.title}</dd>
      <dt>Week</dt>
      <dd>{server.week.title === `Week ${server.week.number}` ? server.week.title : `Week ${server.week.number}: ${server.week.title}`}</dd>
      <dt>Environment</dt>
      <dd>
        {server.environment.title} {server.usesGpu ? <span className="badge badge-gpu">GPU</span> : <span className="badge badge-off">CPU</span>}
      </dd>
      {isStartingStatus(server.status) && (
        <>
          <dt>Requested</dt>
          <dd>{formatDateTime(server.queuedAt)}</dd>
        </>
      )}
      {started && (
        <>
          <dt>Started</dt>
          <dd>{formatDateTime(started)}</dd>
        </>
      )}
      {server.stoppedAt && (server.status === "stopped" || server.status === "failed") && (
        <>
          <dt>{server.status === "failed" ? "Failed" : "Stopped"}</dt>
          <dd>{formatDateTime(server.stoppedAt)}</dd>
        </>
      )}
      {server.lastActivityAt && server.status === "running" && (
        <>
          <dt>Last activity</dt>
          <dd>{formatDateTime(server.lastActivityAt)}</dd>
        </>
      )}
    </dl>
  );
}

/** Open (a plain link, same tab: the gateway serves Jupyter) and Stop, for the states they fit. */
export function ServerActions({ server, onStop, stopping }: { server: ServerView; onStop?: () => void; stopping: boolean }) {
  const canStop = server.status === "running" || isStartingStatus(server.status);
  if (server.status !== "running" && !(canStop && onStop)) return null;
  return (
    <div className="server-actions">
      {server.status === "running" && (
        <a className="button primary" href={server.url}>
          Open Jupyter
        </a>
      )}
      {canStop && onStop && (
        <button type="button" className="button" onClick={onStop} disabled={stopping}>
          {stopping ? "Stopping…" : "Stop server"}
        </button>
      )}
    </div>
  );
}
