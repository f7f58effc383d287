"use client";

import type { MeResponse } from "@aula/contracts";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { useSession } from "../../lib/session";
import { ErrorText } from "../ui/error-text";

const MIN_LENGTH = 10;

export function ChangePasswordForm() {
  const { api, establish } = useSession();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(false);
    // The API checks these too; checking here saves a round trip and keeps the typed values.
    if (newPassword.length < MIN_LENGTH) return setError(`The new password is too short: use at least ${MIN_LENGTH} characters.`);
    if (newPassword !== repeat) return setError("The two new passwords are different. Type the same password twice.");
    if (newPassword === currentPassword) return setError("The new password is the same as the current one.");
    setBusy(true);
    setError(null);
    try {
      const response = await api.send<MeResponse>("POST", "/auth/password", { currentPassword, newPassword });
      establish(response);
      setCurrent("");
      setNew("");
      setRepeat("");
      setDone(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="current-password">Current password</label>
        <input id="current-password" type="password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrent(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor="new-password">New password</label>
        <input id="new-password" type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNew(e.target.value)} required minLength={MIN_LENGTH} aria-describedby="new-password-hint" />
        <p id="new-password-hint" className="hint">
          At least {MIN_LENGTH} characters.
        </p>
      </div>
      <div className="field">
        <label htmlFor="repeat-password">Repeat new password</label>
        <input id="repeat-password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      {done && (
        <p className="success" role="status">
          Your password has been changed.
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        Change password
      </button>
    </form>
  );
}
