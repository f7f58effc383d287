import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

export interface HostFile {
  /** Relative to the walked root, '/'-separated. */
  rel: string;
  abs: string;
  size: number;
  mode: number;
  mtime: Date;
}

/**
 * Regular files under `root` (sorted, so archives are stable). Symbolic links and special files
 * are skipped: uploads never create them, and following one could copy a host file into a
 * student's workspace. A missing root is an empty list.
 */
export async function walkFiles(root: string): Promise<HostFile[]> {
  const out: HostFile[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return [];
      throw error;
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const abs = path.join(dir, entry.name);
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(abs, rel);
      else if (entry.isFile()) {
        const st = await lstat(abs);
        out.push({ rel, abs, size: st.size, mode: st.mode & 0o777, mtime: st.mtime });
      }
    }
  }
  await walk(root, "");
  return out;
}
