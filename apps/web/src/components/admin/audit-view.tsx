"use client";

import type { AuditEventJson, AuditList } from "@aula/contracts";
import { useCallback } from "react";
import { queryString } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { useCursorPages, type PageLoader } from "../../lib/use-cursor-pages";
import { ErrorText } from "../ui/error-text";
import { PageHeader } from "../ui/page-header";
import { Pager } from "../ui/pager";

const PAGE_SIZE = 50;

function details(data: unknown): string {
  if (data === null || data === undefined) return "";
  if (typeof data === "object" && Object.keys(data).length === 0) return "";
  return JSON.stringify(data);
}

function target(event: AuditEventJson): string {
  if (!event.targetType) return "";
  return event.targetId ? `${event.targetType} ${event.targetId}` : event.targetType;
}

export function AuditView() {
  const api = useApi();
  const load = useCallback<PageLoader<AuditEventJson>>(
    async (cursor, signal) => {
      const list = await api.get<AuditList>(`/audit${queryString({ limit: PAGE_SIZE, cursor })}`, signal);
      return { items: list.events, nextCursor: list.nextCursor };
    },
    [api],
  );
  const pages = useCursorPages(load);

  return (
    <>
      <PageHeader title="Audit log">
        <p>Who did what, newest first.</p>
      </PageHeader>
      <section className="card">
        {pages.error && <ErrorText>{pages.error}</ErrorText>}
        {!pages.loaded && pages.loading && <p className="muted">Loading events…</p>}
        {pages.loaded && pages.items.length === 0 && !pages.error && <p className="muted">Nothing has been recorded yet.</p>}
        {pages.items.length > 0 && (
          <div className="table-wrap" aria-busy={pages.loading}>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">Details</th>
                  <th scope="col">IP address</th>
                </tr>
              </thead>
              <tbody>
                {pages.items.map((event) => (
                  <tr key={event.id}>
                    <td data-label="When" className="nowrap">
                      <time dateTime={event.at}>{formatDateTime(event.at)}</time>
                    </td>
                    <td data-label="Who">{event.actor ? <span className="mono">{event.actor.username}</span> : <span className="muted">system</span>}</td>
                    <td data-label="Action" className="mono">
                      {event.action}
                    </td>
                    <td data-label="Target" className="mono small">
                      {target(event)}
                    </td>
                    <td data-label="Details" className="mono small details-cell">
                      {details(event.data)}
                    </td>
                    <td data-label="IP address" className="mono small">
                      {event.ip ?? ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager
          label="Audit log pages"
          pageNumber={pages.pageNumber}
          hasPrevious={pages.hasPrevious}
          hasNext={pages.hasNext}
          loading={pages.loading}
          onPrevious={pages.previous}
          onNext={pages.next}
        />
      </section>
    </>
  );
}
