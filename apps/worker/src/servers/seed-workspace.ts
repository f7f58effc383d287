import { createReadStream } from "node:fs";
import type Docker from "dockerode";
import { materialsDir, weekFolder } from "@aula/domain";
import { pack as tarPack, type Header, type Pack } from "tar-stream";
import type { Logger } from "../log";
import { walkFiles, type HostFile } from "./walk-files";

/** The student's uid/gid in every Aula image (docker/environments/README.md, "contract"). */
const STUDENT_ID = 1000;
const CHECK_CONCURRENCY = 8;

export interface SeedWorkspaceOptions {
  docker: Docker;
  containerId: string;
  dataDir: string;
  course: string;
  week: number;
  log: Logger;
}

export interface SeedResult {
  copied: number;
  kept: number;
  ms: number;
}

function isMissing(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404;
}

async function exists(container: Docker.Container, path: string): Promise<boolean> {
  try {
    await container.infoArchive({ path });
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Which of `files` the student does not have yet (one HEAD per file, a few at a time). */
async function missingFiles(container: Docker.Container, weekDir: string, files: HostFile[]): Promise<HostFile[]> {
  // Fast path, and the common one: the week's folder does not exist yet, so nothing can clash.
  if (!(await exists(container, weekDir))) return files;
  const missing: HostFile[] = [];
  for (let i = 0; i < files.length; i += CHECK_CONCURRENCY) {
    const batch = files.slice(i, i + CHECK_CONCURRENCY);
    const present = await Promise.all(batch.map((f) => exists(container, `${weekDir}/${f.rel}`)));
    batch.forEach((f, j) => {
      if (!present[j]) missing.push(f);
    });
  }
  return missing;
}

function addDir(pack: Pack, name: string): void {
  pack.entry({ name: `${name}/`, type: "directory", mode: 0o755, uid: STUDENT_ID, gid: STUDENT_ID, mtime: new Date() });
}

function addFile(pack: Pack, name: string, file: HostFile): Promise<void> {
  const header: Partial<Header> & { name: string } = { name, type: "file", size: file.size, mode: file.mode | 0o644, uid: STUDENT_ID, gid: STUDENT_ID, mtime: file.mtime };
  return new Promise((resolve, reject) => {
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    const source = createReadStream(file.abs);
    source.once("error", reject);
    source.pipe(entry);
  });
}

/**
 * Gives the student their copy of the week's 2-practicas, without a shared filesystem: a tar of
 * the host folder, put into the running container's /bootcamp volume through the Docker API.
 * Only files the student does not have are sent, so their edits are never overwritten (a file
 * they deleted comes back on the next start, as with nbgitpuller). Everything is owned by uid
 * 1000. Never fails the spawn: a problem is logged and the student still gets their server.
 */
export async function seedWorkspace(opts: SeedWorkspaceOptions): Promise<SeedResult | null> {
  const started = Date.now();
  try {
    const container = opts.docker.getContainer(opts.containerId);
    const week = weekFolder(opts.week);
    const files = await walkFiles(materialsDir(opts.dataDir, opts.course, opts.week, "2-practicas"));
    // Nothing to copy: no Docker call at all (aula-start makes 2-practicas and 3-proyecto). Each
    // archive call costs the daemon a helper process, CPU a class start has none of to spare.
    if (files.length === 0) return { copied: 0, kept: 0, ms: Date.now() - started };
    const missing = await missingFiles(container, `/bootcamp/2-practicas/${week}`, files);

    const pack = tarPack();
    const writing = (async () => {
      addDir(pack, "3-proyecto");
      addDir(pack, "2-practicas");
      if (missing.length > 0) addDir(pack, `2-practicas/${week}`);
      const dirs = new Set<string>();
      for (const file of missing) {
        const parts = file.rel.split("/").slice(0, -1);
        for (let i = 1; i <= parts.length; i++) {
          const dir = `2-practicas/${week}/${parts.slice(0, i).join("/")}`;
          if (!dirs.has(dir)) {
            dirs.add(dir);
            addDir(pack, dir);
          }
        }
        await addFile(pack, `2-practicas/${week}/${file.rel}`, file);
      }
      pack.finalize();
    })();
    writing.catch((err: unknown) => pack.destroy(err as Error));
    await Promise.all([container.putArchive(pack as unknown as NodeJS.ReadableStream, { path: "/bootcamp" }), writing]);
    const result = { copied: missing.length, kept: files.length - missing.length, ms: Date.now() - started };
    opts.log.debug("workspace seeded", { containerId: opts.containerId, course: opts.course, week: opts.week, ...result });
    return result;
  } catch (err) {
    opts.log.warn("could not copy 2-practicas into the workspace; the server starts without it", { containerId: opts.containerId, course: opts.course, week: opts.week, err });
    return null;
  }
}
