import { createTestDatabase, type TestDatabase } from "@aula/db";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { publishRouteAdd, publishRouteRemove } from "@aula/queue/messages";
import { request } from "./support/client";
import { createRunningServer, createSession, createUser } from "./support/factories";
import { connectRedis, dropPrefix, startGateway, testPrefix } from "./support/harness";
import { startUpstream, type SeenRequest, type Upstream } from "./support/upstream";

describe("route table", () => {
  let testDb: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix();
  let api: Upstream;
  let web: Upstream;
  let jupyter: Upstream;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = connectRedis();
    [api, web, jupyter] = await Promise.all([startUpstream("api"), startUpstream("web"), startUpstream("jupyter")]);
  });

  afterAll(async () => {
    await Promise.all([api?.close(), web?.close(), jupyter?.close()]);
    if (redis) {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    }
    await testDb?.drop();
  });

  it("takes route additions and removals over Redis pub/sub", async () => {
    const user = await createUser(testDb.db, { username: "dan" });
    const cookie = await createSession(testDb.db, user.id);
    const gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
    try {
      const headers = { Cookie: `aula_session=${cookie}` };
      expect((await request(gw.port, "/user/dan/api/status", { headers })).status).toBe(503);

      await publishRouteAdd(redis, prefix, { username: "dan", port: jupyter.port, token: "tok-dan", serverId: "srv-dan-1" });
      await vi.waitFor(() => expect(gw.gateway.routes.get("dan")).toBeDefined());
      const reply = await request(gw.port, "/user/dan/api/status", { headers });
      expect(reply.status).toBe(200);
      expect(reply.json<SeenRequest>().headers.authorization).toBe("token tok-dan");

      // A remove for another server id (a stale stop) leaves the current route alone. Messages on
      // one channel arrive in order, so once the barrier add is seen the stale remove was handled.
      await publishRouteRemove(redis, prefix, { username: "dan", serverId: "srv-dan-0" });
      await publishRouteAdd(redis, prefix, { username: "barrier", port: jupyter.port, token: "t", serverId: "srv-barrier" });
      await vi.waitFor(() => expect(gw.gateway.routes.get("barrier")).toBeDefined());
      expect(gw.gateway.routes.get("dan")?.serverId).toBe("srv-dan-1");

      await publishRouteRemove(redis, prefix, { username: "dan", serverId: "srv-dan-1" });
      await vi.waitFor(() => expect(gw.gateway.routes.get("dan")).toBeUndefined());
      expect((await request(gw.port, "/user/dan/api/status", { headers })).status).toBe(503);
    } finally {
      await gw.close();
    }
  });

  it("relearns running servers from the database after a restart, without a respawn", async () => {
    const user = await createUser(testDb.db, { username: "eva" });
    const cookie = await createSession(testDb.db, user.id);
    const server = await createRunningServer(testDb.db, { userId: user.id, username: "eva", hostPort: jupyter.port });
    const first = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
    const headers = { Cookie: `aula_session=${cookie}` };
    expect((await request(first.port, "/user/eva/api/status", { headers })).status).toBe(200);
    await first.close();

    // No message is published: the new gateway must find the route in the database alone.
    const second = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
    try {
      expect(second.gateway.routes.get("eva")).toEqual({ port: jupyter.port, token: server.token, serverId: server.id });
      const reply = await request(second.port, "/user/eva/api/status", { headers });
      expect(reply.status).toBe(200);
      expect(reply.json<SeenRequest>().headers.authorization).toBe(`token ${server.token}`);
    } finally {
      await second.close();
    }
  });

  it("heals from the database: a server stopped without a message loses its route on resync", async () => {
    const user = await createUser(testDb.db, { username: "fay" });
    const server = await createRunningServer(testDb.db, { userId: user.id, username: "fay", hostPort: jupyter.port });
    const gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
    try {
      expect(gw.gateway.routes.get("fay")?.serverId).toBe(server.id);
      await testDb.db.server.update({ where: { id: server.id }, data: { status: "STOPPED", hostPort: null } });
      await gw.gateway.resync();
      expect(gw.gateway.routes.get("fay")).toBeUndefined();
    } finally {
      await gw.close();
    }
  });

  it("resyncs by itself on its interval", async () => {
    const user = await createUser(testDb.db, { username: "gil" });
    const gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port, config: { resyncIntervalMs: 100 } });
    try {
      const server = await createRunningServer(testDb.db, { userId: user.id, username: "gil", hostPort: jupyter.port });
      await vi.waitFor(() => expect(gw.gateway.routes.get("gil")?.serverId).toBe(server.id));
    } finally {
      await gw.close();
    }
  });
});
