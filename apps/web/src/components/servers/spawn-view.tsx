"use client";

import type { ServerView } from "@aula/contracts";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { homeFor } from "../../lib/roles";
import { needsPageLoad, safeNextPath, serverDestination } from "../../lib/safe-next";
import { isStartingStatus } from "../../lib/server-status";
import { useUser } from "../../lib/session";
import { afterFollow, nextFollowDelay, readFollow, writeFollow } from "../../lib/spawn-follow";
import { useServer, useServerProgress } from "../../lib/use-server";
import { NotAvailable } from "../shell/not-available";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { ServerActions, ServerDetails, ServerStatus } from "./server-panel";

// The gateway sends the owner here when /user/<name>/… has no running server. While the server
// starts this page follows it and, once it is ready, goes on to where the person was going
// (retrying a few times, see lib/spawn-follow.ts, since the gateway learns the route a moment later).

export function SpawnView({ name, next }: { name: string; next: string | null }) {
  const user = useUser();
  if (user.username !== name && user.role !== "admin") {
    return (
      <NotAvailable home={homeFor(user.role)}>
        <p>This page follows the server of {name}. Each person sees only their own server.</p>
      </NotAvailable>
    );
  }
  return <SpawnFollower name={name} next={next} own={user.username === name} home={homeFor(user.role)} />;
}

function SpawnFollower({ name, next, own, home }: { name: string; next: string | null; own: boolean; home: string }) {
  const router = useRouter();
  const { state, server, staleMessage, refresh } = useServer(name);
  const progress = useServerProgress(name, server, () => void refresh());
  /** "waiting": about to go on to Jupyter; "gave-up": the tries bounced back, offer a link. */
  const [follow, setFollow] = useState<"idle" | "waiting" | "gave-up">("idle");
  const whose = own ? "Your" : `${name}'s`;

  const go = useCallback(
    (target: ServerView) => {
      writeFollow(target.id, afterFollow(readFollow(target.id), Date.now()));
      const destination = serverDestination(next, target.url);
      if (needsPageLoad(destination)) window.location.assign(destination);
      else router.replace(destination);
    },
    [next, router],
  );

  // Keyed on the server's id, not the object: each poll brings a new object for the same server.
  const runningServer = useRef<ServerView | null>(null);
  const running = server?.status === "running" ? server : null;
  useEffect(() => {
    runningServer.current = running;
  }, [running]);
  const runningId = running?.id ?? null;
  useEffect(() => {
    const target = runningServer.current;
    if (!runningId || !target) return;
    const delay = nextFollowDelay(readFollow(runningId), Date.now());
    if (delay === null) {
      setFollow("gave-up");
      return;
    }
    setFollow("waiting");
    const timer = setTimeout(() => go(target), delay);
    return () => clearTimeout(timer);
  }, [runningId, go]);

  const dashboardLink = own ? (
    <Link href={home}>{server ? "Go to your dashboard to start it again" : "Go to your dashboard to start one"}</Link>
  ) : (
    <Link href={home}>Go to your home page</Link>
  );

  return (
    <>
      <PageHeader title={own ? "Your server" : `Server of ${name}`}>
        {next && safeNextPath(next) && <p>You will be taken on to {safeNextPath(next)} when the server is ready.</p>}
      </PageHeader>
      <section className="card server-panel" aria-labelledby="spawn-heading">
        <h2 id="spawn-heading">{server && isStartingStatus(server.status) ? "Starting" : "Status"}</h2>
        {state.status === "loading" ? (
          <p className="muted">Checking the server…</p>
        ) : state.status === "error" ? (
          <>
            <ErrorText>{state.message}</ErrorText>
            <button type="button" className="button" onClick={() => void refresh()}>
              Try again
            </button>
          </>
        ) : (
          <>
            <ServerStatus server={server} progress={progress} whose={whose} />
            {server && <ServerDetails server={server} />}
            {server?.status === "running" && follow === "waiting" && <p className="muted">Opening Jupyter…</p>}
            {server?.status === "running" && follow === "gave-up" && (
              <>
                <p className="small muted">Jupyter did not open by itself; the gateway may still be getting ready. Open it again in a moment:</p>
                <ServerActions server={server} stopping={false} />
              </>
            )}
            {(!server || server.status === "stopped" || server.status === "failed") && <p>{dashboardLink}.</p>}
            {server?.status === "stopping" && <p className="small muted">When it has stopped you can start it again from the dashboard.</p>}
            {staleMessage && <p className="muted small">{staleMessage}</p>}
          </>
        )}
      </section>
    </>
  );
}
