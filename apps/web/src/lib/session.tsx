"use client";

import type { MeResponse, User } from "@aula/contracts";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, apiRequest, type Method } from "./api";

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous" }
  | { status: "authenticated"; user: User }
  | { status: "error"; message: string };

/** The API bound to the current session: writes carry its CSRF token. */
export interface Api {
  get: <T>(path: string, signal?: AbortSignal) => Promise<T>;
  send: <T>(method: Exclude<Method, "GET">, path: string, json?: unknown) => Promise<T>;
  sendText: <T>(path: string, text: string, contentType: string) => Promise<T>;
}

interface SessionContextValue {
  state: SessionState;
  api: Api;
  /** After login or a password change: the API answered with the user and a fresh token. */
  establish: (response: MeResponse) => void;
  signOut: () => Promise<void>;
  reload: () => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: "loading" });
  // A ref, not state: the token changes on login and password change, and the api object
  // handed to pages must stay stable so their effects don't refire.
  const csrfRef = useRef<string | null>(null);

  const establish = useCallback((response: MeResponse) => {
    csrfRef.current = response.csrfToken;
    setState({ status: "authenticated", user: response.user });
  }, []);

  const loadMe = useCallback(async (signal?: AbortSignal): Promise<void> => {
    try {
      const me = await apiRequest<MeResponse>("/me", signal ? { signal } : {});
      establish(me);
    } catch (error) {
      if (signal?.aborted) return;
      csrfRef.current = null;
      if (error instanceof ApiError && error.code === "unauthenticated") setState({ status: "anonymous" });
      else setState({ status: "error", message: error instanceof ApiError ? error.message : "Could not load your session." });
    }
  }, [establish]);

  useEffect(() => {
    const controller = new AbortController();
    void loadMe(controller.signal);
    return () => controller.abort();
  }, [loadMe]);

  const call = useCallback(
    async <T,>(path: string, options: { method: Method; json?: unknown; text?: string; contentType?: string; signal?: AbortSignal }): Promise<T> => {
      const attempt = () => apiRequest<T>(path, { ...options, csrfToken: csrfRef.current });
      try {
        return await attempt();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // A 401 outside /auth means the session ended (expired, revoked, user disabled): the shell
        // sends the person to the login page. Under /auth a 401 is an answer (wrong password).
        if (error.code === "unauthenticated" && !path.startsWith("/auth/")) {
          csrfRef.current = null;
          setState({ status: "anonymous" });
        }
        // The session may have been rotated in another tab; fetch the current token once.
        if (error.code === "csrf_failed" && options.method !== "GET") {
          const me = await apiRequest<MeResponse>("/me");
          establish(me);
          return attempt();
        }
        throw error;
      }
    },
    [establish],
  );

  const api = useMemo<Api>(
    () => ({
      get: (path, signal) => call(path, signal ? { method: "GET", signal } : { method: "GET" }),
      send: (method, path, json) => call(path, json === undefined ? { method } : { method, json }),
      sendText: (path, text, contentType) => call(path, { method: "POST", text, contentType }),
    }),
    [call],
  );

  const signOut = useCallback(async () => {
    try {
      await apiRequest<void>("/auth/logout", { method: "POST", csrfToken: csrfRef.current });
    } catch (error) {
      // Already signed out (expired, revoked elsewhere) is what the person asked for; anything
      // else means the session may still be valid, so say so instead of pretending.
      if (!(error instanceof ApiError && error.code === "unauthenticated")) throw error;
    }
    csrfRef.current = null;
    setState({ status: "anonymous" });
  }, []);

  const reload = useCallback(() => {
    setState({ status: "loading" });
    void loadMe();
  }, [loadMe]);

  const value = useMemo(() => ({ state, api, establish, signOut, reload }), [state, api, establish, signOut, reload]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession() needs a <SessionProvider> above it.");
  return value;
}

/** For pages inside the signed-in shell, which renders them only once the user is known. */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== "authenticated") throw new Error("useUser() is only for pages inside the signed-in shell.");
  return state.user;
}

export function useApi(): Api {
  return useSession().api;
}
