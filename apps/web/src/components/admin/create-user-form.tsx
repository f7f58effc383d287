"use client";

import { USERNAME_PATTERN, type CreateUserResponse, type RoleName, type User } from "@aula/contracts";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";

interface Draft {
  username: string;
  displayName: string;
  email: string;
  role: RoleName;
  password: string;
}

const empty: Draft = { username: "", displayName: "", email: "", role: "student", password: "" };

export function CreateUserForm({ onCreated }: { onCreated: (user: User, password: string | undefined) => void }) {
  const api = useApi();
  const [draft, setDraft] = useState<Draft>(empty);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const username = draft.username.trim();
    if (!USERNAME_PATTERN.test(username)) {
      setError("The username must be 2 to 32 characters: lowercase letters, digits, '-' or '_', starting with a letter.");
      return;
    }
    if (draft.displayName.trim() === "") {
      setError("Enter the person's name as it should appear in Aula.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const body = {
        username,
        displayName: draft.displayName.trim(),
        role: draft.role,
        ...(draft.email.trim() ? { email: draft.email.trim() } : {}),
        ...(draft.password ? { password: draft.password } : {}),
      };
      const created = await api.send<CreateUserResponse>("POST", "/users", body);
      setDraft(empty);
      setDone(created.password ? null : `Created ${created.user.username} with the password you chose.`);
      onCreated(created.user, created.password);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor="new-username">Username</label>
        <input id="new-username" autoComplete="off" autoCapitalize="none" spellCheck={false} value={draft.username} onChange={(e) => set("username", e.target.value)} required maxLength={32} aria-describedby="new-username-hint" />
        <p id="new-username-hint" className="hint">
          Lowercase letters, digits, - and _. It becomes part of the student&apos;s server address.
        </p>
      </div>
      <div className="field">
        <label htmlFor="new-display-name">Display name</label>
        <input id="new-display-name" autoComplete="off" value={draft.displayName} onChange={(e) => set("displayName", e.target.value)} required maxLength={200} />
      </div>
      <div className="field">
        <label htmlFor="new-email">Email (optional)</label>
        <input id="new-email" type="email" autoComplete="off" value={draft.email} onChange={(e) => set("email", e.target.value)} maxLength={320} />
      </div>
      <div className="field">
        <label htmlFor="new-role">Role</label>
        <select id="new-role" value={draft.role} onChange={(e) => set("role", e.target.value as RoleName)}>
          <option value="student">Student</option>
          <option value="instructor">Instructor</option>
          <option value="admin">Administrator</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="new-password-initial">Password (optional)</label>
        <input id="new-password-initial" type="password" autoComplete="new-password" value={draft.password} onChange={(e) => set("password", e.target.value)} aria-describedby="new-password-initial-hint" />
        <p id="new-password-initial-hint" className="hint">
          Leave it empty and Aula generates one, shown once after creating the user.
        </p>
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
      <button type="submit" className="button primary" disabled={busy}>
        Create user
      </button>
    </form>
  );
}
