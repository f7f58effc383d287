"use client";

import type { Material, MaterialKindName, MaterialList, ZipUploadReport } from "@aula/contracts";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api";
import { formatDateTime } from "../../lib/format";
import { useApi } from "../../lib/session";
import { ErrorText } from "../ui/error-text";
import styles from "./courses.module.css";
import { encodePath, formatSize, uploadRaw } from "./raw-upload";

const partLabel: Record<MaterialKindName, string> = { teoria: "1-teoria (read-only for students)", practicas: "2-practicas (copied into each workspace)" };

/** A week's files: list, upload (single files, or zips extracted safely), delete. */
export function WeekMaterials({ slug, week, onChanged }: { slug: string; week: number; onChanged: () => void }) {
  const api = useApi();
  const base = `/courses/${encodeURIComponent(slug)}/weeks/${week}/materials`;
  const fileRef = useRef<HTMLInputElement>(null);
  const [materials, setMaterials] = useState<Material[] | null>(null);
  const [maxBytes, setMaxBytes] = useState<number | null>(null);
  const [kind, setKind] = useState<MaterialKindName>("teoria");
  const [folder, setFolder] = useState("");
  const [extract, setExtract] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notes, setNotes] = useState<string[]>([]);

  const load = useCallback(async () => {
    try {
      const list = await api.get<MaterialList>(base);
      setMaterials(list.materials);
      setMaxBytes(list.maxFileBytes);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [api, base]);
  useEffect(() => {
    void load();
  }, [load]);

  async function onUpload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const files = [...(fileRef.current?.files ?? [])];
    if (files.length === 0) {
      setError("Choose one or more files first.");
      return;
    }
    const tooBig = maxBytes !== null ? files.find((f) => f.size > maxBytes) : undefined;
    if (tooBig && maxBytes !== null) {
      setError(`"${tooBig.name}" is ${formatSize(tooBig.size)}; the limit is ${formatSize(maxBytes)}.`);
      return;
    }
    setBusy(true);
    setError(null);
    const done: string[] = [];
    try {
      const dir = folder.trim().replace(/^\/+|\/+$/g, "");
      for (const file of files) {
        if (extract && file.name.toLowerCase().endsWith(".zip")) {
          const report = await uploadRaw<ZipUploadReport>("POST", `${base}/${kind}/zip${dir ? `?dir=${encodeURIComponent(dir)}` : ""}`, file, "application/zip");
          done.push(`${file.name}: ${report.stored.length} files extracted${report.skipped.length ? `, ${report.skipped.length} left out (${report.skipped.map((s) => s.path).slice(0, 3).join(", ")}${report.skipped.length > 3 ? "…" : ""})` : ""}.`);
        } else {
          await uploadRaw("PUT", `${base}/${kind}/${encodePath(dir ? `${dir}/${file.name}` : file.name)}`, file);
          done.push(`${file.name} uploaded.`);
        }
      }
      if (fileRef.current) fileRef.current.value = "";
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setNotes(done);
      setBusy(false);
      await load();
      onChanged();
    }
  }

  async function remove(m: Material) {
    setBusy(true);
    setError(null);
    try {
      await api.send("DELETE", `${base}/${m.kind}/${encodePath(m.path)}`);
      await load();
      onChanged();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={styles.materials} aria-label={`Materials of week ${week}`} role="group">
      {materials === null ? (
        <p className="muted small">Loading files…</p>
      ) : materials.length === 0 ? (
        <p className="muted small">No files yet.</p>
      ) : (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {materials.map((m) => (
              <tr key={`${m.kind}/${m.path}`}>
                <td>{m.kind === "teoria" ? "1-teoria" : "2-practicas"}</td>
                <td className="mono">{m.path}</td>
                <td>{formatSize(m.sizeBytes)}</td>
                <td className="small">
                  {formatDateTime(m.createdAt)}
                  {m.uploadedBy ? ` · ${m.uploadedBy}` : ""}
                </td>
                <td>
                  <button type="button" className="button small subtle" disabled={busy} onClick={() => void remove(m)} aria-label={`Delete ${m.kind === "teoria" ? "1-teoria" : "2-practicas"}/${m.path}`}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className={styles.uploadForm} onSubmit={(e) => void onUpload(e)}>
        <div className="field">
          <label htmlFor={`part-${week}`}>Put into</label>
          <select id={`part-${week}`} value={kind} onChange={(e) => setKind(e.target.value as MaterialKindName)}>
            <option value="teoria">{partLabel.teoria}</option>
            <option value="practicas">{partLabel.practicas}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`folder-${week}`}>Folder (optional)</label>
          <input id={`folder-${week}`} value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="notebooks" />
        </div>
        <div className="field">
          <label htmlFor={`files-${week}`}>Files for week {week}</label>
          <input id={`files-${week}`} ref={fileRef} type="file" multiple />
        </div>
        <label className="small">
          <input type="checkbox" checked={extract} onChange={(e) => setExtract(e.target.checked)} style={{ width: "auto", minHeight: 0 }} /> Extract .zip files
        </label>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Uploading…" : "Upload"}
        </button>
      </form>
      <p className="hint">
        Caches, checkpoints, model weights (*.pt, *.pth), data/ and solution/ folders are refused, as in the course’s .dockerignore.{maxBytes !== null ? ` Up to ${formatSize(maxBytes)} per file.` : ""}
      </p>
      {notes.length > 0 && (
        <ul className="success small" role="status">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {error && <ErrorText>{error}</ErrorText>}
    </div>
  );
}
