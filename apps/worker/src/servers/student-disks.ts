import path from "node:path";
import { stat } from "node:fs/promises";
import type Docker from "dockerode";
import { defaultVolumeNames, ensureStudentDisk, MIN_STUDENT_DISK_MB, volumeBinding, type StudentDiskDirs } from "@aula/docker";
import type { Logger } from "../log";

/** AULA_VOLUME_MODE=disk: each student's volumes live on a size-limited disk of their own. */
export interface StudentDiskSettings {
  /** `<AULA_DATA_DIR>/disks`: the images and their mount points. */
  root: string;
  /** AULA_STUDENT_DISK_MB, for servers whose course and override set no size. */
  defaultMb: number;
}

export function studentDiskSettings(dataDir: string, defaultMb: number): StudentDiskSettings {
  return { root: path.join(dataDir, "disks"), defaultMb };
}

/**
 * Makes (or grows) and mounts the student's disk before their container starts, and returns the
 * directories its volumes bind. A volume made before disks were turned on keeps its content and
 * no limit (Docker ignores the options of an existing volume): said in the log, never moved
 * silently.
 */
export async function prepareStudentDisk(deps: { docker: Docker; log: Logger; disks: StudentDiskSettings }, username: string, sizeMb: number | null): Promise<StudentDiskDirs> {
  const disk = await ensureStudentDisk({ root: deps.disks.root, username, sizeMb: sizeMb ?? deps.disks.defaultMb });
  if (disk.created || disk.grown) deps.log.info(disk.created ? "student disk created" : "student disk grown", { username, sizeMb: disk.sizeMb });
  const names = defaultVolumeNames(username);
  for (const kind of ["home", "checkpoints", "cache"] as const) {
    if ((await volumeBinding(deps.docker, names[kind], disk.dirs[kind])) === "other") {
      deps.log.warn("student volume predates the student's disk: it stays in use, without a size limit", { username, volume: names[kind] });
    }
  }
  return disk.dirs;
}

/** Mounts a student's existing disk (after a reboot) for a reader; false when they have none. */
export async function mountExistingStudentDisk(disks: StudentDiskSettings, username: string): Promise<boolean> {
  try {
    await stat(path.join(disks.root, `${username}.ext4`));
  } catch {
    return false;
  }
  // The smallest size never grows an existing disk: this only mounts it.
  await ensureStudentDisk({ root: disks.root, username, sizeMb: MIN_STUDENT_DISK_MB });
  return true;
}
