"use client";

import { formatDate } from "../../lib/format";
import { roleLabel } from "../../lib/roles";
import { useUser } from "../../lib/session";
import { PageHeader } from "../ui/page-header";
import { ChangePasswordForm } from "./change-password-form";

export function AccountView() {
  const user = useUser();
  return (
    <>
      <PageHeader title="Account" />
      <div className="grid">
        <section className="card">
          <h2>Your details</h2>
          <dl className="details">
            <dt>Name</dt>
            <dd>{user.displayName}</dd>
            <dt>Username</dt>
            <dd>{user.username}</dd>
            <dt>Email</dt>
            <dd>{user.email ?? <span className="muted">None on file</span>}</dd>
            <dt>Role</dt>
            <dd>{roleLabel[user.role]}</dd>
            <dt>Member since</dt>
            <dd>{formatDate(user.createdAt)}</dd>
          </dl>
          <p className="muted small">An administrator can change your name, email and role.</p>
        </section>
        <section className="card">
          <h2>Change password</h2>
          <ChangePasswordForm />
        </section>
      </div>
    </>
  );
}
