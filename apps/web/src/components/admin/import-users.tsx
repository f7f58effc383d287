"use client";

import { IMPORT_CSV_MAX_BYTES, type ImportReport } from "@aula/contracts";
import { useRef, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { downloadText, toCsv } from "../../lib/csv";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";

const HEADER = "username,display name,email,role,course";

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function ImportUsers({ onImported }: { onImported: () => void }) {
  const api = useApi();
  const fileRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [fileName, setFileName] = useState("");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file) {
      setError("Choose a CSV file first.");
      return;
    }
    if (file.size > IMPORT_CSV_MAX_BYTES) {
      setError(`This file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${IMPORT_CSV_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files.`);
      return;
    }
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const text = await file.text();
      const result = await api.sendText<ImportReport>("/users/import", text, "text/csv");
      setReport(result);
      setFileName(file.name);
      if (fileRef.current) fileRef.current.value = "";
      if (result.created.length > 0) onImported();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  function download() {
    if (!report) return;
    const csv = toCsv(
      ["row", "username", "password"],
      report.created.map((c) => [c.row, c.username, c.password]),
    );
    const base = fileName.replace(/\.csv$/i, "") || "import";
    downloadText(`${base}-passwords.csv`, csv);
  }

  return (
    <>
      <form className="form" onSubmit={onSubmit} noValidate>
        <p className="small">
          The first line must be the header <code>{HEADER}</code>. Email and course may be empty; role is student, instructor or admin. Every new account gets a generated password.
        </p>
        <div className="field">
          <label htmlFor="import-file">CSV file</label>
          <input id="import-file" ref={fileRef} type="file" accept=".csv,text/csv" />
        </div>
        {error && <ErrorText>{error}</ErrorText>}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Importing…" : "Import users"}
        </button>
      </form>

      {report && (
        <div className="report" role="status" aria-live="polite">
          <p className="report-summary">
            {plural(report.created.length, "user", "users")} created, {plural(report.refused.length, "row", "rows")} refused.
          </p>
          {report.created.length > 0 && (
            <>
              <h3>Created</h3>
              <p className="small">These passwords are shown only once. Download them now to hand them out.</p>
              <button type="button" className="button" onClick={download}>
                Download created users as CSV
              </button>
              <div className="table-wrap">
                <table className="table compact">
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Username</th>
                      <th scope="col">Password</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.created.map((c) => (
                      <tr key={`${c.row}-${c.username}`}>
                        <td>{c.row}</td>
                        <td className="mono">{c.username}</td>
                        <td className="mono">{c.password}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {report.refused.length > 0 && (
            <>
              <h3>Refused</h3>
              <div className="table-wrap">
                <table className="table compact">
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Username</th>
                      <th scope="col">Reason</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.refused.map((r) => (
                      <tr key={`${r.row}-${r.username ?? ""}`}>
                        <td>{r.row}</td>
                        <td className="mono">{r.username ?? <span className="muted">—</span>}</td>
                        <td>{r.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </>
  );
}
