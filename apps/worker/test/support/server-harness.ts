import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { Redis } from "ioredis";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { createSession, requestServerStart } from "@aula/domain";
import { createReadyStudent } from "@aula/domain/testing";
import { unmountStudentDisks } from "@aula/docker";
import { createGateway, type Gateway } from "@aula/gateway";
import { enqueueSpawn } from "@aula/queue";
import { createLogger } from "../../src/log";
import { startServerWorkers, type ServerWorkersOptions } from "../../src/servers/start-server-workers";
import { newestPythonImage } from "@aula/docker/testing";
import { until } from "./waits";

// What every worker integration test with real servers needs: its own database and Redis
// prefix, server workers on real Docker, a gateway on a free port, and students whose servers
// it starts. close() undoes all of it, removing only the containers and volumes of the students
// it made.

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export type ServerWorkers = Awaited<ReturnType<typeof startServerWorkers>>;

export interface WorkerSet {
  workers: ServerWorkers;
  /** This set's producer connection (queues, progress events, route messages). */
  publisher: Redis;
  /** Idempotent; the harness calls it at close() if the test did not. */
  close: () => Promise<void>;
}

export interface StartWorkersOptions extends Partial<Pick<ServerWorkersOptions, "spawnConcurrency" | "lockMs" | "gpus" | "db" | "studentDisks">> {
  /** A Docker API socket other than the real one (a recording proxy). */
  socketPath?: string;
  /** Logs nothing; for tests whose failures are the point. */
  quiet?: boolean;
}

export interface GatewayHandle {
  gateway: Gateway;
  /** http://127.0.0.1:<port> */
  base: string;
  close: () => Promise<void>;
}

export interface StudentServer {
  student: Awaited<ReturnType<typeof createReadyStudent>>["student"];
  course: Awaited<ReturnType<typeof createReadyStudent>>["course"];
  server: Awaited<ReturnType<typeof requestServerStart>>;
  /** The student's portal session, as a Cookie header value. */
  cookie: string;
}

export interface ServerHarness {
  t: TestDatabase;
  /** The test's own producer connection. */
  redis: Redis;
  docker: Docker;
  prefix: string;
  dataDir: string;
  startWorkers(opts?: StartWorkersOptions): Promise<WorkerSet>;
  startGateway(): Promise<GatewayHandle>;
  /** A student's container and volumes are removed at close(). */
  track(username: string): void;
  /** Runs at close(), before the students' containers are removed (last added, first run). */
  closeLater(close: () => Promise<unknown>): void;
  /**
   * A new student enrolled in a course on the newest python image, with week 1 released, whose
   * server is requested and queued on `workers`; the course policy gets `policy` first.
   */
  startStudentServer(workers: WorkerSet, policy?: { cpus?: number; memoryMb?: number; diskMb?: number }): Promise<StudentServer>;
  /** Waits for RUNNING; a FAILED server fails the wait with its reason at once. */
  untilRunning(serverId: string, timeoutMs?: number): Promise<{ hostPort: number | null; containerId: string | null }>;
  close(): Promise<void>;
}

export async function createServerHarness(): Promise<ServerHarness> {
  const t = await createTestDatabase();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "aula-data-"));
  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  const prefix = `aula-test-${randomBytes(5).toString("hex")}`;
  const usernames = new Set<string>();
  const closers: (() => Promise<unknown>)[] = [];

  const harness: ServerHarness = {
    t,
    redis,
    docker,
    prefix,
    dataDir,

    async startWorkers(opts = {}) {
      const publisher = new Redis(redisUrl);
      const workerRedis = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const workers = await startServerWorkers({
        db: opts.db ?? t.db,
        docker: opts.socketPath ? new Docker({ socketPath: opts.socketPath }) : docker,
        publisher,
        workerRedis,
        prefix,
        dataDir,
        log: createLogger(opts.quiet ? "silent" : "warn"),
        readyTimeoutMs: 60_000,
        spawnConcurrency: opts.spawnConcurrency ?? 2,
        reconcileEveryMs: 3_600_000,
        cullEveryMs: 3_600_000,
        ...(opts.lockMs !== undefined ? { lockMs: opts.lockMs } : {}),
        ...(opts.gpus ? { gpus: opts.gpus } : {}),
        ...(opts.studentDisks ? { studentDisks: opts.studentDisks } : {}),
      });
      let closing: Promise<void> | undefined;
      const close = () =>
        (closing ??= (async () => {
          await workers.close(true);
          await Promise.allSettled([publisher.quit(), workerRedis.quit()]);
        })());
      closers.push(close);
      return { workers, publisher, close };
    },

    async startGateway() {
      const gateway = await createGateway({ db: t.db, redis, config: { apiPort: 1, webPort: 1, redisPrefix: prefix, publicUrl: "http://127.0.0.1:8000" } });
      await new Promise<void>((r) => gateway.server.listen(0, "127.0.0.1", r));
      let closing: Promise<void> | undefined;
      const close = () => (closing ??= gateway.close());
      closers.push(close);
      return { gateway, base: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}`, close };
    },

    track(username) {
      usernames.add(username);
    },

    closeLater(close) {
      closers.push(close);
    },

    async startStudentServer(set, policy = {}) {
      const { student, course } = await createReadyStudent(t.db, { image: newestPythonImage() });
      usernames.add(student.username);
      if (Object.keys(policy).length > 0) await t.db.quotaPolicy.update({ where: { courseId: course.id }, data: policy });
      const server = await requestServerStart(t.db, { username: student.username, course: course.slug, week: 1, gpu: "none" });
      await enqueueSpawn(set.workers.spawns, { serverId: server.id });
      const session = await createSession(t.db, { userId: student.id, ip: null, userAgent: null });
      return { student, course, server, cookie: `aula_session=${session.secret}` };
    },

    untilRunning(serverId, timeoutMs) {
      return until(
        `server ${serverId} RUNNING`,
        async () => {
          const row = await t.db.server.findUnique({ where: { id: serverId } });
          if (row?.status === "FAILED") throw new Error(`spawn failed: ${row.failureReason}`);
          return row?.status === "RUNNING" ? row : null;
        },
        timeoutMs,
      );
    },

    async close() {
      for (const close of closers.reverse()) await close().catch(() => {});
      // The fault suite restarts dockerd now and then: wait for it rather than leave containers.
      await until("dockerd to answer for cleanup", async () => docker.ping().then(() => true, () => false), 60_000).catch(() => {});
      for (const u of usernames) {
        await docker.getContainer(`aula-${u}`).remove({ force: true }).catch(() => {});
        for (const kind of ["home", "checkpoints", "cache"]) await docker.getVolume(`aula-${kind}-${u}`).remove().catch(() => {});
      }
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit().catch(() => {});
      await t.drop();
      // Student disks (AULA_VOLUME_MODE=disk) are mounted under the data dir: unmounted first,
      // or rm would empty them and then fail on their mount points.
      await unmountStudentDisks(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
