import { IMPORT_CSV_MAX_BYTES } from "@aula/contracts";

/**
 * The CSV file chosen in an import form, or the sentence that says why it can't be sent.
 * Checked before upload so a too-big file never leaves the browser.
 */
export function chosenCsv(input: HTMLInputElement | null): { file: File } | { error: string } {
  const file = input?.files?.[0];
  if (!file) return { error: "Choose a CSV file first." };
  if (file.size > IMPORT_CSV_MAX_BYTES) {
    return { error: `This file is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${IMPORT_CSV_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files.` };
  }
  return { file };
}

interface CreatedRow {
  row: number;
  username: string;
  password: string;
}

interface RefusedRow {
  row: number;
  username?: string | null;
  reason: string;
}

/** Accounts an import created, with their one-time passwords and a button to download them. */
export function CreatedAccounts({ created, downloadLabel, onDownload }: { created: readonly CreatedRow[]; downloadLabel: string; onDownload: () => void }) {
  if (created.length === 0) return null;
  return (
    <>
      <h3>Created</h3>
      <p className="small">These passwords are shown only once. Download them now to hand them out.</p>
      <button type="button" className="button" onClick={onDownload}>
        {downloadLabel}
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
            {created.map((c) => (
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
  );
}

/** Rows an import refused, each with the reason the person can fix in the file. */
export function RefusedRows({ refused }: { refused: readonly RefusedRow[] }) {
  if (refused.length === 0) return null;
  return (
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
            {refused.map((r) => (
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
  );
}
