import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, statfs, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStudentDiskSupport, ensureStudentDisk, listMounts, runDiskCommand, StudentDiskError, unmountStudentDisks, type DiskCommand } from "./student-disk";

// Real loop mounts under a temporary root (the worker runs as root on the host, as here).

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "aula-disks-"));
});

afterAll(async () => {
  if (root) {
    await unmountStudentDisks(root);
    await rm(root, { recursive: true, force: true });
  }
});

const mountsUnder = async (dir: string) => (await listMounts()).filter((m) => m.mountpoint === dir);

describe("a student's disk", () => {
  it("is a sparse ext4 image of the asked size, mounted once, with the three volume directories owned by the student", async () => {
    const disk = await ensureStudentDisk({ root, username: "ana", sizeMb: 64 });
    expect(disk.created).toBe(true);
    expect((await stat(disk.image)).size).toBe(64 * 1024 * 1024);
    // Sparse: the host pays for what is written, not for the size.
    expect((await stat(disk.image)).blocks * 512).toBeLessThan(16 * 1024 * 1024);
    const mounts = await mountsUnder(disk.mountpoint);
    expect(mounts).toHaveLength(1);
    expect(mounts[0]).toMatchObject({ fstype: "ext4" });
    expect(mounts[0]?.source).toMatch(/^\/dev\/loop\d+$/);
    for (const dir of [disk.dirs.home, disk.dirs.checkpoints, disk.dirs.cache]) {
      expect(path.dirname(dir)).toBe(disk.mountpoint);
      expect((await stat(dir)).uid).toBe(1000);
    }
    const fs = await statfs(disk.dirs.home);
    expect(fs.blocks * fs.bsize).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(fs.blocks * fs.bsize).toBeGreaterThan(48 * 1024 * 1024);
  });

  it("is made and mounted once when several workers ensure it at the same moment, and keeps its files", async () => {
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ensureStudentDisk({ root, username: "ben", sizeMb: 64 })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await mountsUnder(results[0]!.mountpoint)).toHaveLength(1);
    // One loop device over the image: two would be two file systems writing one file.
    const { stdout } = await run("losetup", ["-j", results[0]!.image]);
    expect(stdout.trim().split("\n")).toHaveLength(1);
    await writeFile(path.join(results[0]!.dirs.home, "kept.txt"), "kept");
    const again = await ensureStudentDisk({ root, username: "ben", sizeMb: 64 });
    expect(again.created).toBe(false);
    expect(await mountsUnder(again.mountpoint)).toHaveLength(1);
    // Unmounted (a reboot) and ensured again: the same file system comes back.
    await unmountStudentDisks(root);
    expect(await mountsUnder(again.mountpoint)).toHaveLength(0);
    const remounted = await ensureStudentDisk({ root, username: "ben", sizeMb: 64 });
    expect((await stat(path.join(remounted.dirs.home, "kept.txt"))).size).toBe(4);
  });

  it("grows online when the size setting goes up, and never shrinks", async () => {
    const small = await ensureStudentDisk({ root, username: "cai", sizeMb: 64 });
    await writeFile(path.join(small.dirs.home, "kept.txt"), "kept");
    const bigger = await ensureStudentDisk({ root, username: "cai", sizeMb: 128 });
    expect(bigger.grown).toBe(true);
    const fs = await statfs(bigger.dirs.home);
    expect(fs.blocks * fs.bsize).toBeGreaterThan(100 * 1024 * 1024);
    expect((await stat(path.join(bigger.dirs.home, "kept.txt"))).size).toBe(4);
    const smaller = await ensureStudentDisk({ root, username: "cai", sizeMb: 64 });
    expect(smaller.grown).toBe(false);
    expect((await stat(smaller.image)).size).toBe(128 * 1024 * 1024);
  });

  it("refuses a bad username or a size too small to hold anything, with a stable code", async () => {
    await expect(ensureStudentDisk({ root, username: "../etc", sizeMb: 64 })).rejects.toBeInstanceOf(StudentDiskError);
    await expect(ensureStudentDisk({ root, username: "dan", sizeMb: 1 })).rejects.toMatchObject({ code: "student_disk_failed" });
  });

  it("checks at worker start that the host can make disks, and names what is missing", async () => {
    await expect(checkStudentDiskSupport()).resolves.toBeUndefined();
    const noFlock: DiskCommand = async (file, args, ok) => (file === "flock" ? Promise.reject(new Error("spawn flock ENOENT")) : runDiskCommand(file, args, ok));
    await expect(checkStudentDiskSupport(noFlock)).rejects.toMatchObject({ code: "student_disk_failed", message: expect.stringContaining("needs flock") as string });
  });
});
