"use client";

import type { ServerResponse, ServerView } from "@aula/contracts";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "./api";
import { isFinalPhase, isStartingStatus, parseProgressEvent, type ProgressEvent } from "./server-status";
import { useApi } from "./session";

export type ServerState =
  | { status: "loading" }
  | { status: "error"; message: string }
  | { status: "loaded"; server: ServerView | null };

/** How often the page looks at the server while it is open: lightly, faster while it changes. */
function pollInterval(server: ServerView | null): number {
  if (!server) return 5_000;
  if (server.status === "stopping") return 1_000;
  if (isStartingStatus(server.status)) return 3_000; // the progress stream is the fast path
  return 5_000;
}

const userPath = (username: string) => `/users/${encodeURIComponent(username)}/server`;

/**
 * The user's latest server (GET …/server), polled while the page is visible so a server the
 * culler stopped, or one stopped in another tab, shows up here. `replace` takes a server the API
 * just answered with (start, stop); poll answers that were in flight before it are discarded.
 */
export function useServer(username: string) {
  const api = useApi();
  const [state, setState] = useState<ServerState>({ status: "loading" });
  /** A poll that failed after a first success: the last known server stays, with this note. */
  const [staleMessage, setStaleMessage] = useState<string | null>(null);
  const generation = useRef(0);
  const inFlight = useRef(false);

  /** Set when a refresh is asked for while one is in flight: its answer may predate the reason. */
  const again = useRef(false);

  const refresh = useCallback(async (): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    again.current = false;
    const mine = generation.current;
    try {
      const response = await api.get<ServerResponse>(userPath(username));
      if (mine !== generation.current) return;
      setState({ status: "loaded", server: response.server });
      setStaleMessage(null);
    } catch (error) {
      if (mine !== generation.current) return;
      setState((previous) => (previous.status === "loaded" ? previous : { status: "error", message: errorMessage(error) }));
      setStaleMessage(`Could not check your server just now: ${errorMessage(error)}`);
    } finally {
      if (mine === generation.current) inFlight.current = false;
    }
    if (again.current) await refresh();
  }, [api, username]);

  const replace = useCallback((server: ServerView | null) => {
    generation.current += 1;
    inFlight.current = false;
    again.current = false;
    setState({ status: "loaded", server });
    setStaleMessage(null);
  }, []);

  const server = state.status === "loaded" ? state.server : null;
  const interval = pollInterval(server);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (document.visibilityState === "visible") void refresh();
        schedule();
      }, interval);
    };
    const onVisible = () => {
      if (document.visibilityState === "visible") void refresh();
    };
    schedule();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [refresh, interval]);

  return { state, server, staleMessage, refresh, replace };
}

/**
 * Live spawn progress (SSE) for a server that is queued or starting. The stream replays what
 * happened so far, then follows; at ready/failed/stopped it is closed here (EventSource would
 * otherwise reconnect) and `onFinal` runs so the page reloads the server row.
 */
export function useServerProgress(username: string, server: ServerView | null, onFinal: () => void): ProgressEvent | null {
  const [event, setEvent] = useState<ProgressEvent | null>(null);
  const onFinalRef = useRef(onFinal);
  useEffect(() => {
    onFinalRef.current = onFinal;
  }, [onFinal]);

  const serverId = server?.id ?? null;
  const watching = server !== null && isStartingStatus(server.status);

  useEffect(() => {
    if (!watching || serverId === null) return;
    const source = new EventSource(`/api/v1${userPath(username)}/progress`);
    source.addEventListener("progress", (message: MessageEvent<string>) => {
      const parsed = parseProgressEvent(message.data);
      if (!parsed || parsed.serverId !== serverId) return;
      setEvent(parsed);
      if (isFinalPhase(parsed.phase)) {
        source.close();
        onFinalRef.current();
      }
    });
    // A refused stream (401, 404) closes itself; polling carries on. A dropped one reconnects.
    return () => source.close();
  }, [username, serverId, watching]);

  return event && event.serverId === serverId ? event : null;
}
