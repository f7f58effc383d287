import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { Material, ZipUploadReport } from "@aula/contracts";
import { AppError } from "@aula/contracts";
import type { Db } from "@aula/db";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { checkMaterialPath, requireMaterialFolder, requireMaterialPath } from "./material-path";
import { receiveUpload, tooLarge } from "./receive-upload";
import { commitMaterials, type MaterialTarget, type StagedMaterial } from "./store-material";

export interface UploadOptions {
  target: MaterialTarget;
  source: Readable;
  /** Per file (and for the zip itself); AULA_MATERIAL_MAX_MB. */
  maxFileBytes: number;
  actor: { id: string | null; ip?: string | null };
}

/** Stores one file at `path` (checked before a byte is read), replacing any earlier version. */
export async function uploadMaterialFile(db: Db, opts: UploadOptions & { path: string }): Promise<Material> {
  const rel = requireMaterialPath(opts.path);
  const received = await receiveUpload(opts.source, { dataDir: opts.target.dataDir, maxBytes: opts.maxFileBytes, what: `"${rel}"` });
  const [material] = await commitMaterials(db, opts.target, [{ ...received, path: rel }], opts.actor);
  if (!material) throw new Error("commitMaterials returned nothing for one file");
  return material;
}

// A zip bomb is refused from its central directory, before anything is inflated; yauzl's
// validateEntrySizes then holds every entry to the size it declared.
const MAX_ZIP_FILES = 5000;
const TOTAL_FACTOR = 5;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

function refused(reason: string): AppError {
  return new AppError("validation_failed", `The zip was refused and nothing was stored: ${reason}`);
}

/** yauzl's own name checks, in words an instructor can act on. */
function zipError(error: Error): AppError {
  const m = error.message;
  const name = (prefix: string) => JSON.stringify(m.slice(prefix.length).slice(0, 80));
  if (m.startsWith("invalid relative path: ")) return refused(`the entry ${name("invalid relative path: ")} leaves its folder ("..").`);
  if (m.startsWith("absolute path: ")) return refused(`the entry ${name("absolute path: ")} is an absolute path.`);
  if (m.startsWith("invalid characters in fileName: ")) return refused(`the entry ${name("invalid characters in fileName: ")} contains a backslash.`);
  return refused(`it is damaged or not a zip archive (${m.slice(0, 120)}).`);
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: true, validateEntrySizes: true }, (err, zip) => (err ? reject(zipError(err)) : resolve(zip)));
  });
}

function readEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on("entry", (entry: Entry) => {
      entries.push(entry);
      if (entries.length > MAX_ZIP_FILES * 2) {
        reject(refused(`it has more than ${MAX_ZIP_FILES} entries; split it.`));
        return;
      }
      zip.readEntry();
    });
    zip.once("end", () => resolve(entries));
    zip.once("error", (err: Error) => reject(zipError(err)));
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err ? reject(zipError(err)) : resolve(stream))));
}

/**
 * Extracts a zip into a week part. Every entry is checked from the central directory first:
 * traversal, absolute names, backslashes, links and other non-files, encryption, sizes. One unsafe
 * entry refuses the whole zip. Entries matching the seed's .dockerignore rules (caches,
 * checkpoints, weights, `solution/`…) are skipped and listed. Files are staged, then committed
 * together, so a refused or broken zip stores nothing.
 */
export async function uploadMaterialZip(db: Db, opts: UploadOptions & { dir?: string }): Promise<ZipUploadReport> {
  const folder = requireMaterialFolder(opts.dir);
  const received = await receiveUpload(opts.source, { dataDir: opts.target.dataDir, maxBytes: opts.maxFileBytes, what: "This zip" });
  const staged: StagedMaterial[] = [];
  let zip: ZipFile | undefined;
  try {
    zip = await openZip(received.tmpPath);
    const entries = await readEntries(zip);
    const skipped: ZipUploadReport["skipped"] = [];
    const wanted: { entry: Entry; path: string }[] = [];
    const seen = new Set<string>();
    let total = 0;
    for (const entry of entries) {
      const name = entry.fileName;
      const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (name.endsWith("/") || mode === S_IFDIR) continue;
      if (mode === S_IFLNK) throw refused(`the entry ${JSON.stringify(name.slice(0, 80))} is a symbolic link; zip the real files instead.`);
      if (mode !== 0 && mode !== S_IFREG) throw refused(`the entry ${JSON.stringify(name.slice(0, 80))} is not a regular file.`);
      if (entry.isEncrypted()) throw refused(`the entry ${JSON.stringify(name.slice(0, 80))} is encrypted.`);
      const full = folder ? `${folder}/${name}` : name;
      const verdict = checkMaterialPath(full);
      if (!verdict.ok) {
        if (verdict.ignored) {
          skipped.push({ path: full, reason: verdict.reason });
          continue;
        }
        throw refused(`entry ${JSON.stringify(name.slice(0, 80))}: ${verdict.reason}`);
      }
      if (!entry.canDecodeFileData()) throw refused(`the entry ${JSON.stringify(name.slice(0, 80))} uses a compression method we cannot read; use plain zip (deflate).`);
      if (seen.has(verdict.path)) throw refused(`the entry ${JSON.stringify(name.slice(0, 80))} appears twice.`);
      seen.add(verdict.path);
      if (entry.uncompressedSize > opts.maxFileBytes) throw tooLarge(`The zip entry "${name.slice(0, 80)}"`, opts.maxFileBytes);
      total += entry.uncompressedSize;
      if (total > opts.maxFileBytes * TOTAL_FACTOR) throw tooLarge("Unpacked, this zip", opts.maxFileBytes * TOTAL_FACTOR);
      wanted.push({ entry, path: verdict.path });
    }
    if (wanted.length > MAX_ZIP_FILES) throw refused(`it has ${wanted.length} files; at most ${MAX_ZIP_FILES} at a time.`);
    if (wanted.length === 0) {
      throw refused(skipped.length > 0 ? `every file in it is excluded by the course's .dockerignore rules (${skipped[0]?.reason ?? ""}).` : "it holds no files.");
    }
    for (const w of wanted) {
      const stream = await openEntry(zip, w.entry);
      try {
        staged.push({ ...(await receiveUpload(stream, { dataDir: opts.target.dataDir, maxBytes: opts.maxFileBytes, what: `The zip entry "${w.path}"` })), path: w.path });
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw zipError(error as Error);
      }
    }
    zip.close();
    zip = undefined;
    const stored = await commitMaterials(db, opts.target, staged, opts.actor);
    return { stored, skipped };
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.tmpPath, { force: true })));
    throw error;
  } finally {
    zip?.close();
    await rm(received.tmpPath, { force: true });
  }
}
