"use client";

import type { RoleName, User } from "@aula/contracts";
import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { formatDate } from "../../lib/format";
import { roleLabel } from "../../lib/roles";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { userFrom } from "./user-response";
import type { Revealed } from "./users-view";

type Mode = "view" | "edit" | "confirm-reset";

export function UserRow({ user, isSelf, onChanged, onReveal }: { user: User; isSelf: boolean; onChanged: (user: User) => void; onReveal: (r: Revealed) => void }) {
  const api = useApi();
  const [mode, setMode] = useState<Mode>("view");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const path = `/users/${encodeURIComponent(user.username)}`;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const toggleDisabled = () =>
    run(async () => {
      onChanged(userFrom(await api.send<User | { user: User }>("PATCH", path, { disabled: !user.disabled })));
    });

  const resetPassword = () =>
    run(async () => {
      const { password } = await api.send<{ password: string }>("POST", `${path}/password`);
      setMode("view");
      onReveal({ title: `New password for ${user.username}:`, secret: password });
    });

  return (
    <>
      <tr className={user.disabled ? "row-disabled" : undefined}>
        <td data-label="Username">
          <span className="mono">{user.username}</span>
          {isSelf && <span className="muted"> (you)</span>}
        </td>
        <td data-label="Name">{user.displayName}</td>
        <td data-label="Email">{user.email ?? <span className="muted">—</span>}</td>
        <td data-label="Role">{roleLabel[user.role]}</td>
        <td data-label="Status">{user.disabled ? <span className="badge badge-off">Disabled</span> : <span className="badge badge-on">Active</span>}</td>
        <td data-label="Created">{formatDate(user.createdAt)}</td>
        <td className="actions-cell">
          <div className="actions">
          <button type="button" className="button small" onClick={() => setMode(mode === "edit" ? "view" : "edit")} disabled={busy} aria-expanded={mode === "edit"}>
            Edit
          </button>
          {!isSelf && (
            <button type="button" className="button small" onClick={() => void toggleDisabled()} disabled={busy} aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.username}`}>
              {user.disabled ? "Enable" : "Disable"}
            </button>
          )}
          <button type="button" className="button small" onClick={() => setMode("confirm-reset")} disabled={busy} aria-label={`Reset password of ${user.username}`}>
            Reset password
          </button>
          </div>
        </td>
      </tr>
      {(mode !== "view" || error) && (
        <tr className="row-extra">
          <td colSpan={7}>
            {error && <ErrorText>{error}</ErrorText>}
            {mode === "confirm-reset" && (
              <div className="confirm">
                <p>
                  Reset the password of <strong>{user.username}</strong>? Their current password stops working and they are signed out everywhere.
                </p>
                <button type="button" className="button danger small" onClick={() => void resetPassword()} disabled={busy}>
                  Yes, reset the password
                </button>
                <button type="button" className="button small subtle" onClick={() => setMode("view")} disabled={busy}>
                  Cancel
                </button>
              </div>
            )}
            {mode === "edit" && (
              <EditUserForm
                user={user}
                isSelf={isSelf}
                busy={busy}
                onCancel={() => setMode("view")}
                onSave={(changes) =>
                  run(async () => {
                    onChanged(userFrom(await api.send<User | { user: User }>("PATCH", path, changes)));
                    setMode("view");
                  })
                }
              />
            )}
          </td>
        </tr>
      )}
    </>
  );
}

interface Changes {
  displayName?: string;
  email?: string | null;
  role?: RoleName;
}

function EditUserForm({ user, isSelf, busy, onCancel, onSave }: { user: User; isSelf: boolean; busy: boolean; onCancel: () => void; onSave: (c: Changes) => Promise<void> }) {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [email, setEmail] = useState(user.email ?? "");
  const [role, setRole] = useState<RoleName>(user.role);
  const id = `edit-${user.username}`;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Send only what changed, so a save never overwrites a concurrent edit of another field.
    const changes: Changes = {};
    if (displayName.trim() !== user.displayName) changes.displayName = displayName.trim();
    const newEmail = email.trim() === "" ? null : email.trim();
    if (newEmail !== user.email) changes.email = newEmail;
    if (role !== user.role) changes.role = role;
    if (Object.keys(changes).length === 0) return onCancel();
    void onSave(changes);
  }

  return (
    <form className="inline-form" onSubmit={onSubmit}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Display name</label>
        <input id={`${id}-name`} value={displayName} onChange={(e) => setDisplayName(e.target.value)} required maxLength={200} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input id={`${id}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} maxLength={320} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-role`}>Role</label>
        {/* Changing one's own role could lock the last administrator out; the API has the final word. */}
        <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as RoleName)} disabled={isSelf}>
          <option value="student">Student</option>
          <option value="instructor">Instructor</option>
          <option value="admin">Administrator</option>
        </select>
      </div>
      <div className="inline-form-actions">
        <button type="submit" className="button primary small" disabled={busy}>
          Save
        </button>
        <button type="button" className="button small subtle" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
