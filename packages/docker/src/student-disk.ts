import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, link, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type Dockerode from "dockerode";
import { isNotFound } from "./docker-util";

/** Runs a host command; rejects (with its stderr) on a non-zero exit or a missing binary. */
export type DiskCommand = (file: string, args: readonly string[], okCodes?: readonly number[]) => Promise<void>;

export const runDiskCommand: DiskCommand = (file, args, okCodes = [0]) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 120_000 }, (error, _stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      if (okCodes.includes(code)) resolve();
      else reject(new StudentDiskError(`${file} ${args.join(" ")} failed: ${String(stderr).trim() || (error?.message ?? "")}`));
    });
  });

// A student's disk: one sparse ext4 image file per student, loop-mounted on the host, holding
// the three directories behind their Docker volumes (/bootcamp, checkpoints, .cache). Filling it
// gives ENOSPC inside that student's container and nowhere else; the host loses at most the
// image's size. Docker's own local volumes have no size limit on ext4 (`size` is tmpfs-only, or
// XFS with project quotas), and `o=loop` is refused by the daemon's mount call, so the worker
// (root on the host) makes and mounts the image itself and hands Docker bind-type volumes.
//
// The mount stays up between servers: a read-only collect of a stopped student's work needs it
// as much as a start does, and a mount never taken down cannot race one. After a reboot the next
// start (or collect) mounts it again. The bind sources are directories *inside* the mounted
// file system, so a missing mount fails the start instead of writing to the host's disk.

const USERNAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const MIB = 1024 * 1024;
/** Below this ext4's own metadata leaves students next to nothing. */
export const MIN_STUDENT_DISK_MB = 32;
const STUDENT_UID = 1000;

export class StudentDiskError extends Error {
  override name = "StudentDiskError";
  readonly code = "student_disk_failed";
}

export interface StudentDiskDirs {
  home: string;
  checkpoints: string;
  cache: string;
}

export interface StudentDisk {
  /** The sparse image file: `<root>/<username>.ext4`. */
  image: string;
  /** Where it is mounted: `<root>/<username>`. */
  mountpoint: string;
  /** The bind sources of the student's three volumes. */
  dirs: StudentDiskDirs;
  sizeMb: number;
  created: boolean;
  grown: boolean;
}

export interface EnsureStudentDiskOptions {
  /** `<AULA_DATA_DIR>/disks`. */
  root: string;
  username: string;
  sizeMb: number;
  run?: DiskCommand;
}

/**
 * Makes, mounts and (when the size went up) grows a student's disk; idempotent, and one at a
 * time per disk across workers (an flock on `<root>/<username>.lock`). Never shrinks: a smaller
 * setting applies to new students only.
 */
export async function ensureStudentDisk(opts: EnsureStudentDiskOptions): Promise<StudentDisk> {
  const run = opts.run ?? runDiskCommand;
  if (!USERNAME.test(opts.username)) throw new StudentDiskError(`"${opts.username}" is not a valid username for a disk`);
  if (!Number.isInteger(opts.sizeMb) || opts.sizeMb < MIN_STUDENT_DISK_MB) throw new StudentDiskError(`a student disk needs at least ${MIN_STUDENT_DISK_MB} MB (asked for ${opts.sizeMb})`);
  const root = path.resolve(opts.root);
  const image = path.join(root, `${opts.username}.ext4`);
  const mountpoint = path.join(root, opts.username);
  await mkdir(mountpoint, { recursive: true, mode: 0o711 });
  // One at a time per disk, across processes: two mounts racing past "is it mounted?" stack two
  // loop devices over one image (a corrupted file system), and a directory made before the
  // other's mount lands is hidden under it.
  return withDiskLock(path.join(root, `${opts.username}.lock`), () => ensureLocked(run, image, mountpoint, opts.sizeMb));
}

async function ensureLocked(run: DiskCommand, image: string, mountpoint: string, sizeMb: number): Promise<StudentDisk> {
  const created = await createImage(run, image, sizeMb);
  const grown = await growIfSmaller(run, image, mountpoint, sizeMb);
  let mount = await findMount(mountpoint);
  if (!mount) {
    try {
      await run("mount", ["-o", "loop,nodev,nosuid", image, mountpoint]);
    } catch (error) {
      throw new StudentDiskError(`could not mount ${image}: ${(error as Error).message}`);
    }
    mount = await findMount(mountpoint);
  }
  if (!mount || mount.fstype !== "ext4") throw new StudentDiskError(`${mountpoint} is not the student's ext4 disk (found ${mount?.fstype ?? "nothing"})`);

  const dirs: StudentDiskDirs = { home: path.join(mountpoint, "home"), checkpoints: path.join(mountpoint, "checkpoints"), cache: path.join(mountpoint, "cache") };
  for (const dir of [dirs.home, dirs.checkpoints, dirs.cache]) {
    await mkdir(dir, { recursive: true });
    // Empty, so Docker still copies the image's content (and owner) in on first use; owned by the
    // student in case the image has nothing at that path.
    if ((await stat(dir)).uid !== STUDENT_UID) await chown(dir, STUDENT_UID, STUDENT_UID);
  }
  return { image, mountpoint, dirs, sizeMb: Math.max(sizeMb, Math.round((await stat(image)).size / MIB)), created, grown };
}

/**
 * Holds an exclusive flock(2) on `lockFile` while `fn` runs. Node has no flock, so a child
 * `flock` holds it and says so; the lock ends when its stdin closes, or when this process dies.
 */
async function withDiskLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const child = spawn("flock", ["-x", lockFile, "sh", "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once("data", () => resolve());
      child.once("error", (err) => reject(new StudentDiskError(`could not lock ${lockFile}: ${err.message}`)));
      void exited.then((code) => reject(new StudentDiskError(`could not lock ${lockFile}: flock exited with ${code}: ${stderr.trim()}`)));
    });
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}

async function createImage(run: DiskCommand, image: string, sizeMb: number): Promise<boolean> {
  if (await exists(image)) return false;
  const tmp = `${image}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const file = await open(tmp, "wx", 0o600);
    await file.truncate(sizeMb * MIB);
    await file.close();
    // -m 0: no blocks kept back for root (nothing runs as root in there).
    await run("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", "nodiscard", "-L", "aula-student", tmp]);
    try {
      await link(tmp, image);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      return false;
    }
    return true;
  } catch (error) {
    if (error instanceof StudentDiskError) throw error;
    throw new StudentDiskError(`could not make the disk image ${image}: ${(error as Error).message}`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/**
 * Grows the image to `sizeMb` while it is not mounted. Online growth (resize2fs on the mounted
 * file system) needs CAP_SYS_RESOURCE, which a worker in a restricted container or sandbox (this
 * build machine included) does not have, so the disk is unmounted first; a disk still in use
 * (a collect reading it) keeps its size until the next start.
 */
async function growIfSmaller(run: DiskCommand, image: string, mountpoint: string, sizeMb: number): Promise<boolean> {
  if ((await stat(image)).size >= sizeMb * MIB) return false;
  if (await findMount(mountpoint)) {
    try {
      await run("umount", [mountpoint]);
    } catch {
      return false;
    }
  }
  const file = await open(image, "r+");
  try {
    await file.truncate(sizeMb * MIB);
  } finally {
    await file.close();
  }
  try {
    // resize2fs insists on a fresh check; exit 1 means "errors corrected", still fine to grow.
    await run("e2fsck", ["-f", "-p", image], [0, 1]);
    await run("resize2fs", [image]);
  } catch (error) {
    throw new StudentDiskError(`could not grow ${image} to ${sizeMb} MB: ${(error as Error).message}`);
  }
  return true;
}

interface MountEntry {
  mountpoint: string;
  fstype: string;
  source: string;
}

/** The mounts of this process's namespace, from /proc/self/mountinfo (no helper binary). */
export async function listMounts(): Promise<MountEntry[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const sep = fields.indexOf("-");
    if (sep < 0 || fields.length < sep + 3) continue;
    out.push({ mountpoint: unescapeMount(fields[4] ?? ""), fstype: fields[sep + 1] ?? "", source: unescapeMount(fields[sep + 2] ?? "") });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

async function findMount(mountpoint: string): Promise<MountEntry | undefined> {
  return (await listMounts()).findLast((m) => m.mountpoint === mountpoint);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * What disks need from this host, checked once at worker start so a machine without them fails
 * there, with the reason, rather than at every student's start: root (mount, losetup), a loop
 * device control node, and the tools (e2fsprogs, util-linux).
 */
export async function checkStudentDiskSupport(run: DiskCommand = runDiskCommand): Promise<void> {
  if (process.getuid?.() !== 0) throw new StudentDiskError("AULA_VOLUME_MODE=disk needs the worker to run as root (it mounts each student's disk image)");
  try {
    await stat("/dev/loop-control");
  } catch {
    throw new StudentDiskError("AULA_VOLUME_MODE=disk needs loop devices, and /dev/loop-control is missing (modprobe loop, or give the worker's container the loop devices)");
  }
  for (const [tool, args] of [["mkfs.ext4", ["-V"]], ["e2fsck", ["-V"]], ["resize2fs", ["-P", "/dev/null"]], ["flock", ["-V"]], ["losetup", ["-V"]]] as const) {
    // resize2fs has no version flag; -P on a non-file system exits 1 but proves it runs.
    await run(tool, args, [0, 1]).catch((error: unknown) => {
      throw new StudentDiskError(`AULA_VOLUME_MODE=disk needs ${tool} (apt-get install e2fsprogs util-linux): ${(error as Error).message}`);
    });
  }
}

/**
 * Unmounts every student disk under `root` (their loop devices go with them); for tests and
 * for an operator retiring a data dir. Files stay.
 */
export async function unmountStudentDisks(root: string, run: DiskCommand = runDiskCommand): Promise<number> {
  const prefix = `${path.resolve(root)}/`;
  const mine = (await listMounts()).filter((m) => m.mountpoint.startsWith(prefix)).reverse();
  for (const m of mine) await run("umount", [m.mountpoint]);
  return mine.length;
}

/**
 * What an existing Docker volume of that name is bound to: "absent" (Docker will create it with
 * the options it is given), "ours" (bound to `device`), or "other": a volume made before disks
 * were on (or from another data dir), which Docker would keep using, unbounded, whatever
 * options the container asks for.
 */
export async function volumeBinding(docker: Dockerode, name: string, device: string): Promise<"absent" | "ours" | "other"> {
  try {
    const info = (await docker.getVolume(name).inspect()) as { Options?: Record<string, string> | null };
    return info.Options?.device === device ? "ours" : "other";
  } catch (error) {
    if (isNotFound(error)) return "absent";
    throw error;
  }
}
