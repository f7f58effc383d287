import { AppError } from "@aula/contracts";

// What never belongs in a week's materials: the seed's per-week .dockerignore (caches, VCS data,
// editor folders, datasets and checkpoints that have their own mounts, model weights, and the
// solutions students must not get), plus debris that zip tools add.
const IGNORED_FOLDERS: Record<string, string> = {
  __pycache__: "Python bytecode caches",
  ".git": "version-control data",
  ".vscode": "editor settings",
  ".ipynb_checkpoints": "Jupyter autosaves",
  data: "datasets (they are mounted read-only at /bootcamp/data)",
  checkpoints: "checkpoints (each student has a checkpoints volume)",
  solution: "solutions",
  solutions: "solutions",
};
const IGNORED_SUFFIXES: Record<string, string> = {
  ".pyc": "Python bytecode",
  ".pth": "model weights",
  ".pt": "model weights",
};
const DEBRIS = new Set(["__MACOSX", ".DS_Store", "Thumbs.db"]);

export const MAX_MATERIAL_PATH = 400;
const MAX_SEGMENT_BYTES = 255;

export type PathVerdict = { ok: true; path: string } | { ok: false; reason: string; ignored: boolean };

/**
 * Checks a path relative to a week part (`notebooks/intro.ipynb`). Unsafe paths (absolute,
 * `..`, backslashes, NUL and control characters) are refused; the seed's .dockerignore patterns
 * are refused too, with `ignored: true` so a zip upload can skip them and say why.
 */
export function checkMaterialPath(raw: string): PathVerdict {
  const bad = (reason: string): PathVerdict => ({ ok: false, reason, ignored: false });
  const shown = JSON.stringify(raw.slice(0, 80));
  if (raw.length === 0) return bad("The file path is empty.");
  if (raw.length > MAX_MATERIAL_PATH) return bad(`The path ${shown}… is longer than ${MAX_MATERIAL_PATH} characters.`);
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(raw)) return bad(`The path ${shown} contains a NUL or control character.`);
  if (raw.includes("\\")) return bad(`The path ${shown} contains a backslash; use '/' between folders.`);
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) return bad(`The path ${shown} is absolute; give it relative to the week's folder.`);
  const segments = raw.split("/");
  if (segments.at(-1) === "") return bad(`The path ${shown} names a folder, not a file.`);
  for (const segment of segments) {
    if (segment === "..") return bad(`The path ${shown} leaves the week's folder ("..").`);
    if (segment === "." || segment === "") return bad(`The path ${shown} has an empty or "." folder name.`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) return bad(`A name in ${shown} is longer than ${MAX_SEGMENT_BYTES} bytes.`);
  }
  for (const segment of segments.slice(0, -1)) {
    const why = IGNORED_FOLDERS[segment];
    if (why) return { ok: false, ignored: true, reason: `"${segment}/" holds ${why}; the course's .dockerignore rules keep it out of the materials.` };
  }
  const name = segments.at(-1) ?? "";
  for (const [suffix, why] of Object.entries(IGNORED_SUFFIXES)) {
    if (name.toLowerCase().endsWith(suffix)) return { ok: false, ignored: true, reason: `"*${suffix}" files are ${why}; the course's .dockerignore rules keep them out of the materials.` };
  }
  if (segments.some((s) => DEBRIS.has(s))) return { ok: false, ignored: true, reason: "Operating-system debris, not course material." };
  return { ok: true, path: raw };
}

/** checkMaterialPath for a single upload: any refusal is a validation_failed error. */
export function requireMaterialPath(raw: string): string {
  const verdict = checkMaterialPath(raw);
  if (!verdict.ok) throw new AppError("validation_failed", verdict.reason, { path: raw.slice(0, MAX_MATERIAL_PATH) });
  return verdict.path;
}

/** A folder prefix for zip extraction ("" for the part's root); same rules as a file path. */
export function requireMaterialFolder(raw: string | undefined): string {
  const trimmed = (raw ?? "").replace(/\/+$/, "");
  if (trimmed === "") return "";
  requireMaterialPath(`${trimmed}/x`);
  return trimmed;
}
