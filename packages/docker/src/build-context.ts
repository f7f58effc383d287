import { createHash } from "node:crypto";
import { lstat, readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import dockerIgnore from "@balena/dockerignore";
import tar from "tar-stream";

export class BuildContextError extends Error {
  override name = "BuildContextError";
}

export interface BuildContextFile {
  /** POSIX path relative to the context root. */
  path: string;
  executable: boolean;
  bytes: Buffer;
}

export interface BuildContext {
  dir: string;
  dockerfile: string;
  /** Sorted by path; what the daemon receives, nothing else. */
  files: BuildContextFile[];
}

export interface ReadBuildContextOptions {
  dir: string;
  /** Relative to dir; must be part of the context. */
  dockerfile: string;
  /** Extra relative paths to leave out (the other recipe's Dockerfile). */
  exclude?: readonly string[];
  /**
   * A folder whose files every context gets at its root (the container contract every image
   * carries). A file of the same path in `dir` wins. Absent folder: nothing is added.
   */
  sharedDir?: string;
  /** A context is a recipe folder, not a dataset: refuse anything larger. */
  maxBytes?: number;
}

/** The folder, next to the environment folders, whose files every environment's context gets. */
export const SHARED_CONTEXT_DIR = "_contract";

// A fixed mtime makes the tar, and so the daemon's COPY cache keys, depend on content only.
const FIXED_MTIME = new Date("2000-01-01T00:00:00Z");

function toPosix(p: string): string {
  return p.split(path.sep).join("/");
}

async function readIgnore(root: string): Promise<string[] | null> {
  const text = await readFile(path.join(root, ".dockerignore"), "utf8").catch(() => null);
  return text === null ? null : text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

/**
 * Every regular file under `root` that `keep` accepts, with its POSIX path relative to root.
 * Symlinks, special files and anything resolving outside root are refused.
 */
async function collectFiles(root: string, label: string, keep: (rel: string) => boolean, addBytes: (n: number) => void): Promise<BuildContextFile[]> {
  const files: BuildContextFile[] = [];
  async function walk(abs: string): Promise<void> {
    const entries = await readdir(abs, { withFileTypes: true });
    for (const entry of entries) {
      const full = path.join(abs, entry.name);
      const rel = toPosix(path.relative(root, full));
      if (rel.startsWith("../") || path.isAbsolute(rel)) {
        throw new BuildContextError(`"${rel}" escapes the build context ${label}`);
      }
      if (!keep(rel)) continue;
      const stat = await lstat(full);
      if (stat.isSymbolicLink()) {
        throw new BuildContextError(`"${rel}" in ${label} is a symbolic link; build contexts hold plain files only`);
      }
      if (stat.isDirectory()) {
        await walk(full);
        continue;
      }
      if (!stat.isFile()) throw new BuildContextError(`"${rel}" in ${label} is not a regular file`);
      const real = await realpath(full);
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw new BuildContextError(`"${rel}" resolves outside the build context ${label}`);
      }
      addBytes(stat.size);
      files.push({ path: rel, executable: (stat.mode & 0o111) !== 0, bytes: await readFile(full) });
    }
  }
  await walk(root);
  return files;
}

/**
 * Reads a recipe folder into memory, plus the shared contract files, applying .dockerignore as
 * Docker would. Symlinks and anything that resolves outside the folders are refused: the hash
 * must describe exactly what the daemon gets, and a link could pull host files into an image.
 */
export async function readBuildContext({ dir, dockerfile, exclude = [], sharedDir, maxBytes = 20 * 1024 * 1024 }: ReadBuildContextOptions): Promise<BuildContext> {
  const root = await realpath(dir).catch(() => {
    throw new BuildContextError(`build context ${dir} does not exist`);
  });
  const sharedRoot = sharedDir ? await realpath(sharedDir).catch(() => null) : null;
  const dockerfilePath = path.posix.normalize(toPosix(dockerfile));
  if (dockerfilePath.startsWith("../") || path.posix.isAbsolute(dockerfilePath)) {
    throw new BuildContextError(`Dockerfile "${dockerfile}" is outside the build context ${dir}`);
  }

  // The environment's own .dockerignore, else the shared one: it applies to the merged context.
  const patterns = (await readIgnore(root)) ?? (sharedRoot ? await readIgnore(sharedRoot) : null) ?? [];
  const ignore = dockerIgnore({ ignorecase: false }).add(patterns);
  const excluded = new Set(exclude.map((e) => path.posix.normalize(toPosix(e))));
  // Docker always sends the Dockerfile and .dockerignore, even when .dockerignore lists them.
  const keep = (rel: string) => rel === dockerfilePath || rel === ".dockerignore" || !(excluded.has(rel) || ignore.ignores(rel));

  let total = 0;
  const addBytes = (n: number) => {
    total += n;
    if (total > maxBytes) throw new BuildContextError(`build context ${dir} is larger than ${maxBytes} bytes; list big files in its .dockerignore`);
  };
  const own = await collectFiles(root, dir, keep, addBytes);
  const ownPaths = new Set(own.map((f) => f.path));
  const shared = sharedRoot ? await collectFiles(sharedRoot, sharedDir!, (rel) => keep(rel) && !ownPaths.has(rel), addBytes) : [];
  const files = [...own, ...shared];
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (!files.some((f) => f.path === dockerfilePath)) {
    throw new BuildContextError(`Dockerfile "${dockerfile}" not found in ${dir}`);
  }
  return { dir: root, dockerfile: dockerfilePath, files };
}

export interface ContentHashInput {
  recipe: string;
  files: readonly BuildContextFile[];
  /** Image ids of the bases the recipe builds FROM, in order. */
  baseImageIds: readonly string[];
}

/**
 * sha256 over the recipe name, every (path, mode, bytes) in path order and the base image ids.
 * Lengths are written before each field so no two different inputs share a byte stream.
 */
export function contentHash({ recipe, files, baseImageIds }: ContentHashInput): string {
  const h = createHash("sha256");
  const field = (value: string | Buffer) => {
    const buf = typeof value === "string" ? Buffer.from(value, "utf8") : value;
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(buf.length));
    h.update(len).update(buf);
  };
  field("aula-build-context-v1");
  field(recipe);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of sorted) {
    field(f.path);
    field(f.executable ? "x" : "-");
    field(f.bytes);
  }
  for (const id of baseImageIds) field(id);
  return h.digest("hex");
}

/** The context as the tar stream the daemon's build endpoint takes. */
export function packBuildContext(context: BuildContext): NodeJS.ReadableStream {
  const pack = tar.pack();
  const dirs = new Set<string>();
  for (const f of context.files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (dirs.has(d)) continue;
      dirs.add(d);
      pack.entry({ name: d, type: "directory", mode: 0o755, mtime: FIXED_MTIME, uid: 0, gid: 0 });
    }
    pack.entry({ name: f.path, type: "file", mode: f.executable ? 0o755 : 0o644, mtime: FIXED_MTIME, uid: 0, gid: 0, size: f.bytes.length }, f.bytes);
  }
  pack.finalize();
  // tar-stream 3 packs into a streamx Readable; it pipes like a Node stream, which is all
  // docker-modem does with it.
  return pack as unknown as NodeJS.ReadableStream;
}
