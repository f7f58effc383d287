"use client";

import type { LoginResponse } from "@aula/contracts";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { apiRequest, errorMessage } from "../../lib/api";
import { homeFor } from "../../lib/roles";
import { needsFullNavigation, safeNextPath } from "../../lib/safe-next";
import { useSession } from "../../lib/session";
import { ErrorText } from "../ui/error-text";

export function LoginForm() {
  const { state, establish } = useSession();
  const router = useRouter();
  const searchParams = useSearchParams();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // One place decides where a signed-in person goes, whether they just signed in or already were.
  useEffect(() => {
    if (state.status !== "authenticated") return;
    const target = safeNextPath(searchParams.get("next")) ?? homeFor(state.user.role);
    if (needsFullNavigation(target)) window.location.assign(target);
    else router.replace(target);
  }, [state, searchParams, router]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (username.trim() === "" || password === "") {
      setError("Enter your username and your password.");
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const response = await apiRequest<LoginResponse>("/auth/login", { method: "POST", json: { username: username.trim(), password } });
      establish(response);
    } catch (err) {
      setError(errorMessage(err));
      setPassword("");
      setSubmitting(false);
    }
  }

  if (state.status === "authenticated") return <p className="muted">Signed in. Taking you to your page…</p>;

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      {state.status === "error" && <ErrorText>{state.message}</ErrorText>}
      <div className="field">
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      <button type="submit" className="button primary" disabled={submitting}>
        Sign in
      </button>
    </form>
  );
}
