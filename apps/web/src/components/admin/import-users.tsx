"use client";

import type { ImportReport } from "@aula/contracts";
import { useRef, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { downloadText, toCsv } from "../../lib/csv";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import { CreatedAccounts, RefusedRows, chosenCsv } from "../ui/import-report";

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
    const chosen = chosenCsv(fileRef.current);
    if ("error" in chosen) {
      setError(chosen.error);
      return;
    }
    const { file } = chosen;
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
          <CreatedAccounts created={report.created} downloadLabel="Download created users as CSV" onDownload={download} />
          <RefusedRows refused={report.refused} />
        </div>
      )}
    </>
  );
}
