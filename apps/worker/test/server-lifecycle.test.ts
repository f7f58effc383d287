import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { createSession, requestServerStart, requestServerStop } from "@aula/domain";
import { createReadyStudent, createTestUser, enrollTestUser } from "@aula/domain/testing";
import { createGateway, type Gateway } from "@aula/gateway";
import { enqueueSpawn, enqueueStop } from "@aula/queue";
import { startServerWorkers } from "../src/servers/start-server-workers";
import { createLogger } from "../src/log";
import { newestPythonImage, until } from "./support/waits";

// The heart of the platform with every real part: PostgreSQL, Redis + BullMQ, Docker Engine
// running the published python image, and the gateway proxying HTTP and the kernel WebSocket.

describe("a student server from Start to Stop", () => {
  let t: TestDatabase;
  let redis: Redis;
  let workerRedis: Redis;
  let gateway: Gateway;
  let base: string;
  let workers: Awaited<ReturnType<typeof startServerWorkers>>;
  let dataDir: string;
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const prefix = `aula-test-${randomBytes(5).toString("hex")}`;
  const usernames: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    workerRedis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
    dataDir = await mkdtemp(path.join(os.tmpdir(), "aula-data-"));
    workers = await startServerWorkers({
      db: t.db,
      docker,
      publisher: redis,
      workerRedis,
      prefix,
      dataDir,
      log: createLogger("warn"),
      readyTimeoutMs: 60_000,
      spawnConcurrency: 4,
      reconcileEveryMs: 3_600_000,
      cullEveryMs: 3_600_000,
    });
    gateway = await createGateway({ db: t.db, redis, config: { apiPort: 1, webPort: 1, redisPrefix: prefix, publicUrl: "http://127.0.0.1:8000" } });
    await new Promise<void>((r) => gateway.server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    for (const u of usernames) {
      await docker.getContainer(`aula-${u}`).remove({ force: true }).catch(() => {});
      for (const kind of ["home", "checkpoints", "cache"]) await docker.getVolume(`aula-${kind}-${u}`).remove().catch(() => {});
    }
    await workers?.close(true);
    await gateway?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await Promise.allSettled([redis.quit(), workerRedis.quit()]);
    await t?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startFor(opts: { cpus?: number } = {}) {
    const { student, course } = await createReadyStudent(t.db, { image: newestPythonImage() });
    if (opts.cpus) await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: { cpus: opts.cpus } });
    usernames.push(student.username);
    const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
    await enqueueSpawn(workers.spawns, { serverId: server.id });
    const session = await createSession(t.db, { userId: student.id, ip: null, userAgent: null });
    return { student, course, server, cookie: `aula_session=${session.secret}` };
  }

  it("spawns, proxies Jupyter, runs 1+1 over the kernel WebSocket, and stops", async () => {
    // A policy asking for more CPUs than the host has (the seed's 4 on a 2-core box) still starts.
    const { student, server, cookie } = await startFor({ cpus: 64 });
    const running = await until("RUNNING", async () => {
      const row = await t.db.server.findUnique({ where: { id: server.id } });
      if (row?.status === "FAILED") throw new Error(`spawn failed: ${row.failureReason}`);
      return row?.status === "RUNNING" ? row : null;
    });
    expect(running.hostPort).toBeGreaterThan(0);

    const inspect = await docker.getContainer(`aula-${student.username}`).inspect();
    expect(inspect.Config.User).toBe("1000:1000");
    expect(inspect.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(inspect.HostConfig.SecurityOpt).toContain("no-new-privileges");
    const bindings = inspect.HostConfig.PortBindings as Record<string, { HostIp: string }[] | undefined> | undefined;
    expect(bindings?.["8888/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    expect(inspect.HostConfig.DeviceRequests ?? []).toEqual([]);
    expect(inspect.HostConfig.NanoCpus).toBe(os.cpus().length * 1e9);

    const status = await until("route", async () => {
      const r = await fetch(`${base}/user/${student.username}/api/status`, { headers: { cookie } });
      return r.status === 200 ? r : null;
    }, 10_000);
    expect(await status.json()).toHaveProperty("kernels");

    const kernel = (await (await fetch(`${base}/user/${student.username}/api/kernels`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: "{}" })).json()) as { id: string };
    expect(kernel.id).toBeTruthy();
    const result = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/user/${student.username}/api/kernels/${kernel.id}/channels`, { headers: { cookie } });
      const msgId = randomBytes(8).toString("hex");
      const timer = setTimeout(() => reject(new Error("no execute_result within 30 s")), 30_000);
      ws.on("error", reject);
      ws.on("open", () =>
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, username: "test", session: randomBytes(8).toString("hex"), msg_type: "execute_request", version: "5.3" },
            parent_header: {},
            metadata: {},
            content: { code: "1+1", silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
            channel: "shell",
          }),
        ),
      );
      ws.on("message", (raw) => {
        const msg = JSON.parse((raw as Buffer).toString("utf8")) as { msg_type: string; parent_header: { msg_id?: string }; content: { data?: Record<string, string> } };
        if (msg.msg_type === "execute_result" && msg.parent_header.msg_id === msgId) {
          clearTimeout(timer);
          ws.close();
          resolve(msg.content.data?.["text/plain"] ?? "");
        }
      });
    });
    expect(result).toBe("2");

    // Another student reaches neither HTTP nor WebSocket of this server.
    const other = await createTestUser(t.db);
    await enrollTestUser(t.db, { courseId: server.courseId, userId: other.id });
    const otherSession = await createSession(t.db, { userId: other.id, ip: null, userAgent: null });
    const denied = await fetch(`${base}/user/${student.username}/api/status`, { headers: { cookie: `aula_session=${otherSession.secret}` } });
    expect([403, 404]).toContain(denied.status);
    const wsDenied = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/user/${student.username}/api/kernels/${kernel.id}/channels`, { headers: { cookie: `aula_session=${otherSession.secret}` } });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => resolve(-1));
    });
    expect([403, 404]).toContain(wsDenied);

    // A gateway restarted while the server runs re-learns the route from the database.
    const containerBefore = (await t.db.server.findUniqueOrThrow({ where: { id: server.id } })).containerId;
    await gateway.close();
    gateway = await createGateway({ db: t.db, redis, config: { apiPort: 1, webPort: 1, redisPrefix: prefix, publicUrl: "http://127.0.0.1:8000" } });
    await new Promise<void>((r) => gateway.server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
    const afterRestart = await fetch(`${base}/user/${student.username}/api/status`, { headers: { cookie } });
    expect(afterRestart.status).toBe(200);
    expect((await t.db.server.findUniqueOrThrow({ where: { id: server.id } })).containerId).toBe(containerBefore);

    const { needsJob } = await requestServerStop(t.db, { username: student.username, reason: "Stopped by you." });
    expect(needsJob).toBe(true);
    await enqueueStop(workers.stops, { serverId: server.id });
    const stopped = await until("STOPPED", async () => {
      const row = await t.db.server.findUnique({ where: { id: server.id } });
      return row?.status === "STOPPED" ? row : null;
    });
    expect(stopped.stopReason).toBe("Stopped by you.");
    await expect(docker.getContainer(`aula-${student.username}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("keeps the student's files in /bootcamp across stop, container removal and a new start", async () => {
    const first = await startFor();
    await until("RUNNING", async () => (await t.db.server.findUnique({ where: { id: first.server.id } }))?.status === "RUNNING");
    const put = await fetch(`${base}/user/${first.student.username}/api/contents/mine.txt`, {
      method: "PUT",
      headers: { cookie: first.cookie, "content-type": "application/json" },
      body: JSON.stringify({ type: "file", format: "text", content: "my work" }),
    });
    expect(put.status).toBeLessThan(300);
    await requestServerStop(t.db, { username: first.student.username, reason: "Stopped by you." });
    await enqueueStop(workers.stops, { serverId: first.server.id });
    await until("STOPPED", async () => (await t.db.server.findUnique({ where: { id: first.server.id } }))?.status === "STOPPED");

    const again = await requestServerStart(t.db, { username: first.student.username, course: first.course.slug, week: 1, gpu: "none" });
    await enqueueSpawn(workers.spawns, { serverId: again.id });
    await until("RUNNING again", async () => (await t.db.server.findUnique({ where: { id: again.id } }))?.status === "RUNNING");
    const file = await until("file through the new route", async () => {
      const r = await fetch(`${base}/user/${first.student.username}/api/contents/mine.txt?content=1`, { headers: { cookie: first.cookie } });
      return r.status === 200 ? ((await r.json()) as { content: string }) : null;
    }, 10_000);
    expect(file.content).toBe("my work");
  }, 180_000);
});
