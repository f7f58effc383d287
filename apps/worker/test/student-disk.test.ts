import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { stat, statfs } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestServerStart, requestServerStop } from "@aula/domain";
import { createCollectQueue, enqueueCollect, enqueueSpawn, enqueueStop } from "@aula/queue";
import { startCollectWorker } from "../src/collect/start-collect-worker";
import { createLogger } from "../src/log";
import { studentDiskSettings } from "../src/servers/student-disks";
import { execIn } from "./support/container-exec";
import { createServerHarness, redisUrl, type GatewayHandle, type ServerHarness, type StudentServer, type WorkerSet } from "./support/server-harness";
import { until } from "./support/waits";

// Issue #7, "a full disk fills only that student's volume", with AULA_VOLUME_MODE=disk: real
// servers whose volumes sit on loop-mounted ext4 images of their own under the data dir.

const run = promisify(execFile);
const MIB = 1024 * 1024;
const DEFAULT_MB = 64;
const A_MB = 96;

describe("students' disks (AULA_VOLUME_MODE=disk)", () => {
  let h: ServerHarness;
  let set: WorkerSet;
  let gw: GatewayHandle;
  let a: StudentServer;
  let b: StudentServer;

  const df = async (container: string, dir: string) => {
    const r = await execIn(container, `df -Pk ${dir} | tail -1`);
    const [, size, , avail] = r.stdout.trim().split(/\s+/);
    return { sizeKb: Number(size), availKb: Number(avail) };
  };

  beforeAll(async () => {
    h = await createServerHarness();
    set = await h.startWorkers({ studentDisks: studentDiskSettings(h.dataDir, DEFAULT_MB) });
    gw = await h.startGateway();
    // A's course sets a disk size; B's sets none and gets the deployment's default.
    a = await h.startStudentServer(set, { cpus: 1, memoryMb: 512, diskMb: A_MB });
    b = await h.startStudentServer(set, { cpus: 1, memoryMb: 512 });
    await Promise.all([h.untilRunning(a.server.id), h.untilRunning(b.server.id)]);
  }, 180_000);

  afterAll(async () => {
    await h?.close();
  }, 60_000);

  it("gives each student's volumes a disk of their own, of the course's size or the default", async () => {
    const aName = `aula-${a.student.username}`;
    const bName = `aula-${b.student.username}`;
    const aHome = await df(aName, "/bootcamp");
    const bHome = await df(bName, "/bootcamp");
    expect(aHome.sizeKb * 1024).toBeLessThanOrEqual(A_MB * MIB);
    expect(aHome.sizeKb * 1024).toBeGreaterThan((A_MB - 16) * MIB);
    expect(bHome.sizeKb * 1024).toBeLessThanOrEqual(DEFAULT_MB * MIB);
    // checkpoints and .cache are on the same disk as the home, not on the host's.
    expect(await df(aName, "/bootcamp/checkpoints")).toMatchObject({ sizeKb: aHome.sizeKb });
    expect(await df(aName, "/bootcamp/.cache")).toMatchObject({ sizeKb: aHome.sizeKb });
    const volume = (await h.docker.getVolume(`aula-home-${a.student.username}`).inspect()) as { Options?: Record<string, string> };
    expect(volume.Options).toMatchObject({ type: "none", o: "bind", device: path.join(h.dataDir, "disks", a.student.username, "home") });
    // The image's own content was copied in, owned by the student, as with a plain volume.
    const home = await execIn(aName, "stat -c '%u:%g' /bootcamp && ls -A /bootcamp");
    expect(home.stdout.split("\n")[0]).toBe("1000:1000");
    expect(home.stdout).toContain(".bashrc");
  });

  it("fills only the student's own disk: ENOSPC for A, B still writes, the host loses at most A's disk", async () => {
    const aName = `aula-${a.student.username}`;
    const bName = `aula-${b.student.username}`;
    expect((await execIn(aName, "echo mine > /bootcamp/keep.txt")).code).toBe(0);
    const image = path.join(h.dataDir, "disks", `${a.student.username}.ext4`);
    const hostBefore = await statfs(h.dataDir);

    // 1 GiB asked for, into the home and into checkpoints: both stop at A's disk.
    const fill = await execIn(aName, "dd if=/dev/zero of=/bootcamp/fill bs=1M count=1024", 120_000);
    expect(fill.code, fill.stderr).not.toBe(0);
    expect(fill.stderr).toMatch(/No space left on device/);
    const more = await execIn(aName, "dd if=/dev/zero of=/bootcamp/checkpoints/more bs=1M count=16");
    expect(more.stderr).toMatch(/No space left on device/);
    expect((await df(aName, "/bootcamp")).availKb).toBeLessThan(1024);

    const written = (await stat(image)).blocks * 512;
    expect(written).toBeLessThanOrEqual(A_MB * MIB);
    expect(written).toBeGreaterThan((A_MB - 32) * MIB);
    const hostAfter = await statfs(h.dataDir);
    const hostUsed = (hostBefore.bavail - hostAfter.bavail) * hostAfter.bsize;
    // Far less than the 1 GiB A tried to write (other work on this machine moves it a little).
    expect(hostUsed).toBeLessThan(512 * MIB);

    const bWrite = await execIn(bName, "dd if=/dev/zero of=/bootcamp/ok bs=1M count=8 && echo wrote");
    expect(bWrite.code, bWrite.stderr).toBe(0);
    expect(bWrite.stdout).toContain("wrote");
    expect((await df(bName, "/bootcamp")).availKb * 1024).toBeGreaterThan(32 * MIB);

    // A's Jupyter still answers, and A can free the space again.
    const status = await fetch(`${gw.base}/user/${a.student.username}/api/status`, { headers: { cookie: a.cookie } });
    expect(status.status).toBe(200);
    expect((await execIn(aName, "rm /bootcamp/fill /bootcamp/checkpoints/more && echo again > /bootcamp/again.txt")).code).toBe(0);
  }, 180_000);

  it("keeps A's files across a stop, a disk unmounted meanwhile (a reboot) and a new start", async () => {
    await requestServerStop(h.t.db, { username: a.student.username, reason: "Stopped by you." });
    await enqueueStop(set.workers.stops, { serverId: a.server.id });
    await until("A STOPPED", async () => (await h.t.db.server.findUnique({ where: { id: a.server.id } }))?.status === "STOPPED");
    // As after a reboot: the disk is no longer mounted when the next start comes.
    await run("umount", [path.join(h.dataDir, "disks", a.student.username)]);

    const again = await requestServerStart(h.t.db, { username: a.student.username, course: a.course.slug, week: 1, gpu: "none" });
    await enqueueSpawn(set.workers.spawns, { serverId: again.id });
    await h.untilRunning(again.id);
    const aName = `aula-${a.student.username}`;
    const files = await execIn(aName, "cat /bootcamp/keep.txt /bootcamp/again.txt");
    expect(files.stdout).toBe("mine\nagain\n");
    expect((await df(aName, "/bootcamp")).sizeKb * 1024).toBeLessThanOrEqual(A_MB * MIB);
  }, 180_000);

  it("collects a stopped student's work from their disk even when it is not mounted (after a reboot)", async () => {
    const aName = `aula-${a.student.username}`;
    expect((await execIn(aName, "echo 'print(42)' > /bootcamp/3-proyecto/train.py")).code).toBe(0);
    const current = await h.t.db.server.findFirstOrThrow({ where: { userId: a.student.id, status: "RUNNING" } });
    await requestServerStop(h.t.db, { username: a.student.username, reason: "Stopped by you." });
    await enqueueStop(set.workers.stops, { serverId: current.id });
    await until("A STOPPED", async () => (await h.t.db.server.findUnique({ where: { id: current.id } }))?.status === "STOPPED");
    await run("umount", [path.join(h.dataDir, "disks", a.student.username)]);

    const workerRedis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const collector = await startCollectWorker({ db: h.t.db, docker: h.docker, dataDir: h.dataDir, prefix: h.prefix, log: createLogger("warn"), workerRedis, studentDisks: studentDiskSettings(h.dataDir, DEFAULT_MB) });
    const queue = createCollectQueue(h.redis, h.prefix);
    h.closeLater(async () => {
      await queue.close();
      await collector.close(true);
      await workerRedis.quit();
    });
    const collectionId = randomUUID();
    await enqueueCollect(queue, { collectionId, courseId: a.course.id, courseSlug: a.course.slug, scope: "proyecto", week: null, requestedById: null, requestedAt: new Date().toISOString() });
    const result = await until("the collection", async () => {
      const job = await queue.getJob(collectionId);
      const state = await job?.getState();
      if (state === "failed") throw new Error(`collection failed: ${job?.failedReason}`);
      return state === "completed" ? job?.returnvalue : null;
    });
    expect(result.missing).toEqual([]);
    expect(result.students).toBe(1);
    expect(result.files).toBe(1);
  }, 180_000);
});
