"use client";

import type { EnrollReport, RosterImportReport } from "@aula/contracts";
import { useRef, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { downloadText, toCsv } from "../../lib/csv";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { CreatedAccounts, RefusedRows, chosenCsv } from "../ui/import-report";
import styles from "./courses.module.css";

const HEADER = "username,display name,email";

/** The class list: import from CSV (passwords shown once, downloadable) or enroll existing accounts. */
export function RosterSection({ slug, onChanged }: { slug: string; onChanged: () => void }) {
  const api = useApi();
  const base = `/courses/${encodeURIComponent(slug)}`;
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<RosterImportReport | null>(null);
  const [usernames, setUsernames] = useState("");
  const [enrolled, setEnrolled] = useState<EnrollReport | null>(null);

  async function onImport(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const chosen = chosenCsv(fileRef.current);
    if ("error" in chosen) return setError(chosen.error);
    const { file } = chosen;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const result = await api.send<RosterImportReport>("POST", `${base}/roster/import`, { csv: await file.text() });
      setReport(result);
      if (fileRef.current) fileRef.current.value = "";
      if (result.created.length + result.enrolled.length > 0) onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function onEnroll(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const names = usernames.split(/[\s,;]+/).map((u) => u.trim()).filter(Boolean);
    if (names.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api.send<EnrollReport>("POST", `${base}/students`, { usernames: names });
      setEnrolled(result);
      setUsernames("");
      if (result.enrolled.length > 0) onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function downloadPasswords() {
    if (!report) return;
    downloadText(`${slug}-passwords.csv`, toCsv(["username", "password"], report.created.map((c) => [c.username, c.password])));
  }

  return (
    <section className="card" aria-labelledby="roster-heading">
      <h2 id="roster-heading">Class list</h2>
      <div className="grid">
        <form className="form" onSubmit={(e) => void onImport(e)}>
          <p className="small">
            A CSV whose first line is <code>{HEADER}</code>. New accounts are created as students of this course with generated passwords; existing students are enrolled.
          </p>
          <div className="field">
            <label htmlFor="roster-file">Class list (CSV)</label>
            <input id="roster-file" ref={fileRef} type="file" accept=".csv,text/csv" />
          </div>
          <div>
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? "Importing…" : "Import class list"}
            </button>
          </div>
        </form>
        <form className="form" onSubmit={(e) => void onEnroll(e)}>
          <div className="field">
            <label htmlFor="enroll-usernames">Enroll existing students</label>
            <textarea id="enroll-usernames" className={styles.textarea} value={usernames} onChange={(e) => setUsernames(e.target.value)} placeholder="ana, bob, cai" />
          </div>
          <div>
            <button type="submit" className="button" disabled={busy}>
              Enroll
            </button>
          </div>
          {enrolled && (
            <p className="small" role="status">
              {enrolled.enrolled.length} enrolled{enrolled.refused.length > 0 ? `; refused: ${enrolled.refused.map((r) => `${r.username} (${r.reason})`).join("; ")}` : "."}
            </p>
          )}
        </form>
      </div>
      {error && <ErrorText>{error}</ErrorText>}
      {report && (
        <div className="report" role="status" aria-live="polite">
          <p className="report-summary">
            {report.created.length} created, {report.enrolled.length} existing enrolled, {report.refused.length} refused.
          </p>
          <CreatedAccounts created={report.created} downloadLabel="Download passwords as CSV" onDownload={downloadPasswords} />
          {report.enrolled.length > 0 && <p className="small">Enrolled existing accounts: {report.enrolled.map((e) => e.username).join(", ")}.</p>}
          <RefusedRows refused={report.refused} />
        </div>
      )}
    </section>
  );
}
