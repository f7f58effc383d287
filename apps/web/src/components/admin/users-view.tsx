"use client";

import type { RoleName, User, UserList } from "@aula/contracts";
import { useCallback, useState, type FormEvent } from "react";
import { queryString } from "../../lib/api";
import { useApi, useUser } from "../../lib/session";
import { useCursorPages, type PageLoader } from "../../lib/use-cursor-pages";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { Pager } from "../ui/pager";
import { SecretNotice } from "../ui/secret-notice";
import { CreateUserForm } from "./create-user-form";
import { ImportUsers } from "./import-users";
import { UserRow } from "./user-row";

const PAGE_SIZE = 25;

export interface Revealed {
  title: string;
  secret: string;
}

interface Filters {
  query: string;
  role: RoleName | "";
}

export function UsersView() {
  const api = useApi();
  const me = useUser();
  const [draft, setDraft] = useState<Filters>({ query: "", role: "" });
  const [filters, setFilters] = useState<Filters>({ query: "", role: "" });
  const [revealed, setRevealed] = useState<Revealed | null>(null);

  const load = useCallback<PageLoader<User>>(
    async (cursor, signal) => {
      const path = `/users${queryString({ query: filters.query.trim(), role: filters.role, limit: PAGE_SIZE, cursor })}`;
      const list = await api.get<UserList>(path, signal);
      return { items: list.users, nextCursor: list.nextCursor };
    },
    [api, filters],
  );
  const pages = useCursorPages(load);

  function onSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Always a new object, hence a new loader: searching again reloads from the first page.
    setFilters({ ...draft });
  }

  const reveal = useCallback((value: Revealed) => {
    setRevealed(value);
    window.scrollTo({ top: 0, behavior: "smooth" });
  }, []);

  const filtered = filters.query.trim() !== "" || filters.role !== "";

  return (
    <>
      <PageHeader title="Users">
        <p>Accounts of students, instructors and administrators.</p>
      </PageHeader>

      {revealed && <SecretNotice title={revealed.title} secret={revealed.secret} onDismiss={() => setRevealed(null)} />}

      <section className="card" aria-labelledby="find-users">
        <h2 id="find-users">Find users</h2>
        <form className="toolbar" onSubmit={onSearch} role="search">
          <div className="field grow">
            <label htmlFor="user-query">Search</label>
            <input id="user-query" type="search" placeholder="Username, name or email" value={draft.query} onChange={(e) => setDraft({ ...draft, query: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="user-role">Role</label>
            <select id="user-role" value={draft.role} onChange={(e) => setDraft({ ...draft, role: e.target.value as Filters["role"] })}>
              <option value="">All roles</option>
              <option value="student">Students</option>
              <option value="instructor">Instructors</option>
              <option value="admin">Administrators</option>
            </select>
          </div>
          <button type="submit" className="button">
            Search
          </button>
        </form>

        {pages.error && <ErrorText>{pages.error}</ErrorText>}
        {pages.loaded && pages.items.length === 0 && !pages.error && (
          <p className="muted">{filtered ? "No user matches this search." : "There are no users yet."}</p>
        )}
        {pages.items.length > 0 && (
          <div className="table-wrap" aria-busy={pages.loading}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Name</th>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {pages.items.map((user) => (
                  <UserRow
                    key={user.id}
                    user={user}
                    isSelf={user.id === me.id}
                    onChanged={(updated) => pages.update((u) => (u.id === updated.id ? updated : u))}
                    onReveal={reveal}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!pages.loaded && pages.loading && <p className="muted">Loading users…</p>}
        <Pager
          label="User pages"
          pageNumber={pages.pageNumber}
          hasPrevious={pages.hasPrevious}
          hasNext={pages.hasNext}
          loading={pages.loading}
          onPrevious={pages.previous}
          onNext={pages.next}
        />
      </section>

      <div className="grid">
        <section className="card" aria-labelledby="create-user">
          <h2 id="create-user">Create a user</h2>
          <CreateUserForm
            onCreated={(user, password) => {
              if (password) reveal({ title: `Created ${user.username}. Their password:`, secret: password });
              else setRevealed(null);
              pages.refresh();
            }}
          />
        </section>
        <section className="card" aria-labelledby="import-users">
          <h2 id="import-users">Import from CSV</h2>
          <ImportUsers onImported={pages.refresh} />
        </section>
      </div>
    </>
  );
}
