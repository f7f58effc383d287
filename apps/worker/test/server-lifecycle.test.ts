import { randomBytes } from "node:crypto";
import os from "node:os";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSession, requestServerStart, requestServerStop } from "@aula/domain";
import { createTestUser, enrollTestUser } from "@aula/domain/testing";
import { enqueueSpawn, enqueueStop } from "@aula/queue";
import { createServerHarness, type GatewayHandle, type ServerHarness, type WorkerSet } from "./support/server-harness";
import { until } from "./support/waits";

// The heart of the platform with every real part: PostgreSQL, Redis + BullMQ, Docker Engine
// running the published python image, and the gateway proxying HTTP and the kernel WebSocket.

describe("a student server from Start to Stop", () => {
  let h: ServerHarness;
  let set: WorkerSet;
  let gw: GatewayHandle;

  beforeAll(async () => {
    h = await createServerHarness();
    set = await h.startWorkers({ spawnConcurrency: 4 });
    gw = await h.startGateway();
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it("spawns, proxies Jupyter, runs 1+1 over the kernel WebSocket, and stops", async () => {
    // A policy asking for more CPUs than the host has (the seed's 4 on a 2-core box) still starts.
    const { student, server, cookie } = await h.startStudentServer(set, { cpus: 64 });
    const running = await h.untilRunning(server.id);
    expect(running.hostPort).toBeGreaterThan(0);

    const inspect = await h.docker.getContainer(`aula-${student.username}`).inspect();
    expect(inspect.Config.User).toBe("1000:1000");
    expect(inspect.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(inspect.HostConfig.SecurityOpt).toContain("no-new-privileges");
    const bindings = inspect.HostConfig.PortBindings as Record<string, { HostIp: string }[] | undefined> | undefined;
    expect(bindings?.["8888/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    expect(inspect.HostConfig.DeviceRequests ?? []).toEqual([]);
    expect(inspect.HostConfig.NanoCpus).toBe(os.cpus().length * 1e9);

    const status = await until("route", async () => {
      const r = await fetch(`${gw.base}/user/${student.username}/api/status`, { headers: { cookie } });
      return r.status === 200 ? r : null;
    }, 10_000);
    expect(await status.json()).toHaveProperty("kernels");

    const kernel = (await (await fetch(`${gw.base}/user/${student.username}/api/kernels`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: "{}" })).json()) as { id: string };
    expect(kernel.id).toBeTruthy();
    const result = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${gw.base.replace("http", "ws")}/user/${student.username}/api/kernels/${kernel.id}/channels`, { headers: { cookie } });
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
    const other = await createTestUser(h.t.db);
    await enrollTestUser(h.t.db, { courseId: server.courseId, userId: other.id });
    const otherSession = await createSession(h.t.db, { userId: other.id, ip: null, userAgent: null });
    const denied = await fetch(`${gw.base}/user/${student.username}/api/status`, { headers: { cookie: `aula_session=${otherSession.secret}` } });
    expect([403, 404]).toContain(denied.status);
    const wsDenied = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${gw.base.replace("http", "ws")}/user/${student.username}/api/kernels/${kernel.id}/channels`, { headers: { cookie: `aula_session=${otherSession.secret}` } });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => resolve(-1));
    });
    expect([403, 404]).toContain(wsDenied);

    // A gateway restarted while the server runs re-learns the route from the database.
    const containerBefore = (await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } })).containerId;
    await gw.close();
    gw = await h.startGateway();
    const afterRestart = await fetch(`${gw.base}/user/${student.username}/api/status`, { headers: { cookie } });
    expect(afterRestart.status).toBe(200);
    expect((await h.t.db.server.findUniqueOrThrow({ where: { id: server.id } })).containerId).toBe(containerBefore);

    const { needsJob } = await requestServerStop(h.t.db, { username: student.username, reason: "Stopped by you." });
    expect(needsJob).toBe(true);
    await enqueueStop(set.workers.stops, { serverId: server.id });
    const stopped = await until("STOPPED", async () => {
      const row = await h.t.db.server.findUnique({ where: { id: server.id } });
      return row?.status === "STOPPED" ? row : null;
    });
    expect(stopped.stopReason).toBe("Stopped by you.");
    await expect(h.docker.getContainer(`aula-${student.username}`).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("keeps the student's files in /bootcamp across stop, container removal and a new start", async () => {
    const first = await h.startStudentServer(set);
    await h.untilRunning(first.server.id);
    const put = await fetch(`${gw.base}/user/${first.student.username}/api/contents/mine.txt`, {
      method: "PUT",
      headers: { cookie: first.cookie, "content-type": "application/json" },
      body: JSON.stringify({ type: "file", format: "text", content: "my work" }),
    });
    expect(put.status).toBeLessThan(300);
    await requestServerStop(h.t.db, { username: first.student.username, reason: "Stopped by you." });
    await enqueueStop(set.workers.stops, { serverId: first.server.id });
    await until("STOPPED", async () => (await h.t.db.server.findUnique({ where: { id: first.server.id } }))?.status === "STOPPED");

    const again = await requestServerStart(h.t.db, { username: first.student.username, course: first.course.slug, week: 1, gpu: "none" });
    await enqueueSpawn(set.workers.spawns, { serverId: again.id });
    await h.untilRunning(again.id);
    const file = await until("file through the new route", async () => {
      const r = await fetch(`${gw.base}/user/${first.student.username}/api/contents/mine.txt?content=1`, { headers: { cookie: first.cookie } });
      return r.status === 200 ? ((await r.json()) as { content: string }) : null;
    }, 10_000);
    expect(file.content).toBe("my work");
  }, 180_000);
});
