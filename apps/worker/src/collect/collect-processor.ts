import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type Docker from "dockerode";
import { UnrecoverableError, type Job } from "bullmq";
import type { Db } from "@aula/db";
import { collectedFolder, collectionFile, collectionRoot } from "@aula/domain";
import { defaultVolumeNames, imageExists } from "@aula/docker";
import { CollectPayload, type CollectResult } from "@aula/queue";
import { extract as tarExtract, pack as tarPack, type Pack } from "tar-stream";
import type { Logger } from "../log";
import { archiveOf, volumeExists, withVolumeReader } from "./helper-container";
import { mountExistingStudentDisk, type StudentDiskSettings } from "../servers/student-disks";

export interface CollectDeps {
  db: Db;
  docker: Docker;
  dataDir: string;
  /** The deployment (Redis prefix); labels the helper containers. */
  prefix: string;
  log: Logger;
  /** Per student; past it their remaining files are left out and the manifest says so. */
  maxStudentBytes?: number;
  /** AULA_VOLUME_MODE=disk: a student's volume is readable only with their disk mounted. */
  studentDisks?: StudentDiskSettings;
}

const DEFAULT_MAX_STUDENT_BYTES = 1024 * 1024 * 1024;

// Never worth collecting: caches and autosaves, VCS data, model weights (the seed's
// .dockerignore); they would swell the archive without being the student's work.
const SKIP_FOLDERS = new Set([".ipynb_checkpoints", "__pycache__", ".git"]);
const SKIP_SUFFIXES = [".pyc", ".pth", ".pt"];

/** The entry's path below the collected folder, or null to leave it out. */
export function collectedPath(entryName: string): string | null {
  const segments = entryName.replace(/\/+$/, "").split("/").slice(1);
  if (segments.length === 0) return null;
  if (entryName.startsWith("/") || segments.some((s) => s === ".." || s === "." || s === "" || s.includes("\\"))) return null;
  if (segments.some((s) => SKIP_FOLDERS.has(s))) return null;
  const name = segments.at(-1) ?? "";
  if (SKIP_SUFFIXES.some((suffix) => name.toLowerCase().endsWith(suffix))) return null;
  return segments.join("/");
}

interface StudentCount {
  files: number;
  bytes: number;
  truncated: boolean;
}

/**
 * Re-packs one student's folder (Docker's tar of it) under `<root>/<username>/`: regular files
 * and folders only (links, devices and anything naming its way out are dropped), nothing over
 * the per-student budget.
 */
async function copyStudent(source: NodeJS.ReadableStream, pack: Pack, prefix: string, budget: number): Promise<StudentCount> {
  const count: StudentCount = { files: 0, bytes: 0, truncated: false };
  const extract = tarExtract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on("entry", (header, stream, next) => {
      const skip = () => {
        stream.on("end", () => next());
        stream.resume();
      };
      const rel = collectedPath(header.name);
      if (rel === null || (header.type !== "file" && header.type !== "directory")) return skip();
      if (header.type === "directory") {
        pack.entry({ name: `${prefix}/${rel}/`, type: "directory", mode: 0o755, mtime: header.mtime });
        return skip();
      }
      if (count.bytes + header.size > budget) {
        count.truncated = true;
        return skip();
      }
      count.files++;
      count.bytes += header.size;
      const entry = pack.entry({ name: `${prefix}/${rel}`, type: "file", size: header.size, mode: 0o644, mtime: header.mtime }, (err) => (err ? reject(err) : next()));
      stream.pipe(entry);
    });
    extract.on("finish", () => resolve());
    extract.on("error", reject);
  });
  (source as Readable).pipe(extract);
  await done;
  return count;
}

/** A published environment image present on this machine, preferring the week's own. */
async function helperImage(db: Db, docker: Docker, payload: CollectPayload): Promise<string> {
  const preferred = payload.week
    ? await db.week.findUnique({ where: { courseId_number: { courseId: payload.courseId, number: payload.week } }, select: { environment: { select: { publishedImage: true } } } })
    : null;
  const published = await db.environment.findMany({ where: { publishedImage: { not: null } }, select: { publishedImage: true }, orderBy: { name: "asc" } });
  const candidates = [preferred?.environment?.publishedImage, ...published.map((e) => e.publishedImage)].filter((i): i is string => Boolean(i));
  for (const image of new Set(candidates)) if (await imageExists(docker, image)) return image;
  throw new UnrecoverableError("No environment image is published on this machine; collecting reads the students' volumes through one. Build an environment first.");
}

/**
 * collect: every active student's 2-practicas/week-NN (or 3-proyecto) into one .tar.gz at
 * `<dataDir>/collections/<course>/<id>.tar.gz`, laid out `<course>-…/<username>/…` with a
 * manifest. Written to a temporary file and renamed, so a download never sees half an archive;
 * a retry simply writes it again.
 */
export function createCollectProcessor(deps: CollectDeps) {
  const { db, docker, log } = deps;
  const budget = deps.maxStudentBytes ?? DEFAULT_MAX_STUDENT_BYTES;
  return async (job: Job<CollectPayload, CollectResult>): Promise<CollectResult> => {
    const payload = CollectPayload.parse(job.data);
    if (payload.scope === "practicas" && payload.week === null) throw new UnrecoverableError("A practicas collection needs a week.");
    const students = await db.enrollment.findMany({
      where: { courseId: payload.courseId, role: "STUDENT", removedAt: null },
      select: { user: { select: { username: true } } },
      orderBy: { user: { username: "asc" } },
    });
    if (students.length === 0) throw new UnrecoverableError("This course has no students to collect from.");
    const image = await helperImage(db, docker, payload);
    const folder = collectedFolder(payload.scope, payload.week);
    const root = collectionRoot(payload.courseSlug, payload.scope, payload.week);

    const file = collectionFile(deps.dataDir, payload.courseSlug, payload.collectionId);
    const tmp = `${file}.part`;
    await mkdir(path.dirname(file), { recursive: true });
    const pack = tarPack();
    const written = pipeline(pack as unknown as Readable, createGzip({ level: 6 }), createWriteStream(tmp));
    // Surface a write failure at once instead of after every student was read.
    written.catch(() => {});

    const missing: CollectResult["missing"] = [];
    let files = 0;
    let bytes = 0;
    const perStudent: Record<string, { files: number; bytes: number; truncated: boolean }> = {};
    try {
      pack.entry({ name: `${root}/`, type: "directory", mode: 0o755 });
      for (const [i, { user }] of students.entries()) {
        const volume = defaultVolumeNames(user.username).home;
        // After a reboot the disk is not mounted until the student's next start; without it the
        // volume would read as an empty folder, and the student as having handed in nothing.
        if (deps.studentDisks) await mountExistingStudentDisk(deps.studentDisks, user.username);
        if (!(await volumeExists(docker, volume))) {
          missing.push({ username: user.username, reason: "has never started a server" });
          continue;
        }
        const count = await withVolumeReader(
          { docker, image, volume, name: `aula-collect-${payload.collectionId.slice(0, 8)}-${user.username}`, collectionId: payload.collectionId, deployment: deps.prefix },
          async (container) => {
            const archive = await archiveOf(container, folder);
            return archive ? copyStudent(archive, pack, `${root}/${user.username}`, budget) : null;
          },
        );
        if (!count) {
          missing.push({ username: user.username, reason: `has no ${folder.replace("/bootcamp/", "")} folder` });
          continue;
        }
        perStudent[user.username] = count;
        files += count.files;
        bytes += count.bytes;
        await job.updateProgress(Math.round(((i + 1) / students.length) * 100)).catch(() => {});
      }
      const manifest = JSON.stringify({ course: payload.courseSlug, scope: payload.scope, week: payload.week, collectedAt: new Date().toISOString(), students: perStudent, missing }, null, 2);
      pack.entry({ name: `${root}/manifest.json`, type: "file", mode: 0o644 }, manifest);
      pack.finalize();
      await written;
      await rename(tmp, file);
    } catch (error) {
      pack.destroy(error as Error);
      await written.catch(() => {});
      await rm(tmp, { force: true });
      throw error;
    }
    const result: CollectResult = { file, students: Object.keys(perStudent).length, files, bytes, missing, finishedAt: new Date().toISOString() };
    log.info("collection written", { collectionId: payload.collectionId, course: payload.courseSlug, scope: payload.scope, week: payload.week, students: result.students, files, bytes });
    return result;
  };
}
