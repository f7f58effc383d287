import { createTestDatabase, type TestDatabase } from "@aula/db";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { accessKey, activityKey } from "@aula/queue/messages";
import { request } from "./support/client";
import { createApiToken, createRunningServer, createSession, createUser } from "./support/factories";
import { connectRedis, dropPrefix, startGateway, testPrefix, type RunningGateway } from "./support/harness";
import { startUpstream, type SeenRequest, type Upstream } from "./support/upstream";

describe("/user/<name>/ proxy over HTTP", () => {
  let testDb: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix();
  let api: Upstream;
  let web: Upstream;
  let jupyter: Upstream;
  let gw: RunningGateway;
  let owner: { id: string; username: string };
  let ownerCookie: string;
  let ownerToken: string;
  let serverId: string;
  let serverToken: string;
  let other: { id: string; username: string };
  let otherCookie: string;
  let idle: { id: string; username: string };
  let idleCookie: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = connectRedis();
    api = await startUpstream("api");
    web = await startUpstream("web");
    jupyter = await startUpstream("jupyter");
    owner = await createUser(testDb.db, { username: "ana" });
    ownerCookie = await createSession(testDb.db, owner.id);
    ownerToken = await createApiToken(testDb.db, owner.id);
    const server = await createRunningServer(testDb.db, { userId: owner.id, username: owner.username, hostPort: jupyter.port });
    serverId = server.id;
    serverToken = server.token;
    other = await createUser(testDb.db, { username: "abc" });
    otherCookie = await createSession(testDb.db, other.id);
    idle = await createUser(testDb.db, { username: "idle-student" });
    idleCookie = await createSession(testDb.db, idle.id);
    gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([api?.close(), web?.close(), jupyter?.close()]);
    if (redis) {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    }
    await testDb?.drop();
  });

  it("lets the owner reach their server with the server token injected and the portal credentials removed", async () => {
    const reply = await request(gw.port, "/user/ana/api/contents?type=notebook", {
      headers: { Host: "aula.example", Cookie: `_xsrf=2|abc; aula_session=${ownerCookie}; theme=dark`, Authorization: "token typed-by-student" },
    });
    expect(reply.status).toBe(200);
    const seen = reply.json<SeenRequest & { name: string }>();
    expect(seen.name).toBe("jupyter");
    expect(seen.url).toBe("/user/ana/api/contents?type=notebook");
    expect(seen.headers.authorization).toBe(`token ${serverToken}`);
    expect(seen.headers.cookie).toBe("_xsrf=2|abc; theme=dark");
    expect(seen.headers.host).toBe("aula.example");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("drops the Cookie header entirely when the portal cookie was the only one", async () => {
    const reply = await request(gw.port, "/user/ana/api/status", { headers: { Cookie: `aula_session=${ownerCookie}` } });
    expect(reply.status).toBe(200);
    expect(reply.json<SeenRequest>().headers.cookie).toBeUndefined();
  });

  it("accepts an API token in place of the cookie and never forwards it", async () => {
    const reply = await request(gw.port, "/user/ana/api/status", { headers: { Authorization: `Bearer ${ownerToken}` } });
    expect(reply.status).toBe(200);
    expect(reply.json<SeenRequest>().headers.authorization).toBe(`token ${serverToken}`);
  });

  it("adds no portal security headers to Jupyter's responses", async () => {
    const reply = await request(gw.port, "/user/ana/api/status", { headers: { Cookie: `aula_session=${ownerCookie}` } });
    expect(reply.headers["x-frame-options"]).toBeUndefined();
    expect(reply.headers["content-security-policy"]).toBeUndefined();
  });

  it("answers 404 to a signed-in user who does not own the server, and forwards nothing", async () => {
    const before = jupyter.requests.length;
    const reply = await request(gw.port, "/user/ana/api/contents", { headers: { Cookie: `aula_session=${otherCookie}` } });
    expect(reply.status).toBe(404);
    expect(reply.json()).toMatchObject({ error: { code: "not_found" } });
    expect(jupyter.requests.length).toBe(before);
  });

  it("lets a non-owner in while an access grant exists in Redis, and not after it goes", async () => {
    const key = accessKey(prefix, serverId, other.id);
    const headers = { Cookie: `aula_session=${otherCookie}` };
    expect((await request(gw.port, "/user/ana/api/status", { headers })).status).toBe(404);
    await redis.set(key, "1", "EX", 60);
    try {
      const reply = await request(gw.port, "/user/ana/api/status", { headers });
      expect(reply.status).toBe(200);
      expect(reply.json<SeenRequest>().headers.authorization).toBe(`token ${serverToken}`);
    } finally {
      await redis.del(key);
    }
    // A grant is remembered for a couple of seconds at most.
    await vi.waitFor(async () => expect((await request(gw.port, "/user/ana/api/status", { headers })).status).toBe(404), { timeout: 10_000, interval: 250 });
  });

  it("redirects an unauthenticated browser navigation to the login page with the path to come back to", async () => {
    const reply = await request(gw.port, "/user/ana/tree?x=1", { headers: { Accept: "text/html,application/xhtml+xml" } });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`/login?next=${encodeURIComponent("/user/ana/tree?x=1")}`);
  });

  it("answers 401 to an unauthenticated API call and to an unknown cookie", async () => {
    expect((await request(gw.port, "/user/ana/api/status")).status).toBe(401);
    const reply = await request(gw.port, "/user/ana/api/status", { headers: { Cookie: "aula_session=forged" } });
    expect(reply.status).toBe(401);
    expect(reply.json()).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("sends an owner without a running server to the portal's start page, or answers 503 to scripts", async () => {
    const page = await request(gw.port, "/user/idle-student/lab", { headers: { Cookie: `aula_session=${idleCookie}`, Accept: "text/html" } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe(`/spawn/idle-student?next=${encodeURIComponent("/user/idle-student/lab")}`);
    const xhr = await request(gw.port, "/user/idle-student/api/status", { headers: { Cookie: `aula_session=${idleCookie}` } });
    expect(xhr.status).toBe(503);
    expect(xhr.json()).toMatchObject({ error: { code: "service_unavailable", message: "Your server is not running. Start it from the dashboard." } });
  });

  it("adds the trailing slash to /user/<name>", async () => {
    const reply = await request(gw.port, "/user/ana?token=x");
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe("/user/ana/?token=x");
  });

  it.each([
    ["/user/ab/../ana/api/status", 400],
    ["/user/ana/../ana/api/status", 400],
    ["/user/ana/./api/status", 400],
    ["/user/ana/api/..", 400],
    ["/user/ana/%2e%2e/abc/api", 400],
    ["/user/ana/%2E/api", 400],
    ["/user/ana%2fapi/status", 400],
    ["/user/ana/files%2F..%2Fsecret", 400],
    ["/user/ana/files%5csecret", 400],
    ["/user/ana/files\\secret", 400],
    ["/user/ana;x/api/status", 404],
    ["/user/Ana/api/status", 404],
    ["/user/ANA/api/status", 404],
    ["/user/a/api/status", 404],
    ["/user//api/status", 404],
  ])("refuses the path spelling %s with %i, even for the owner", async (path, status) => {
    const before = jupyter.requests.length;
    const reply = await request(gw.port, path, { headers: { Cookie: `aula_session=${ownerCookie}` } });
    expect(reply.status).toBe(status);
    expect(reply.json()).toMatchObject({ error: { code: status === 400 ? "validation_failed" : "not_found" } });
    expect(jupyter.requests.length).toBe(before);
  });

  it("never lets /user/ab/../abc/ reach abc's server", async () => {
    const abcServer = await startUpstream("abc-jupyter");
    try {
      const s = await createRunningServer(testDb.db, { userId: other.id, username: other.username, hostPort: abcServer.port });
      await gw.gateway.resync();
      expect(gw.gateway.routes.get("abc")?.serverId).toBe(s.id);
      const reply = await request(gw.port, "/user/ab/../abc/api/status", { headers: { Cookie: `aula_session=${otherCookie}` } });
      expect(reply.status).toBe(400);
      expect(abcServer.requests).toHaveLength(0);
    } finally {
      await abcServer.close();
    }
  });

  it("records activity for the server in the Redis hash the culler reads", async () => {
    await redis.hdel(activityKey(prefix), serverId);
    const before = Date.now();
    await request(gw.port, "/user/ana/api/status", { headers: { Cookie: `aula_session=${ownerCookie}` } });
    await gw.gateway.flushActivity();
    const value = await redis.hget(activityKey(prefix), serverId);
    expect(value).not.toBeNull();
    // The clock is coarse (one tick a second); the recorded time is "now", give or take that tick.
    expect(Number(value)).toBeGreaterThan(before - 5_000);
  });

  it("serves a burst of concurrent requests carrying one fresh credential", async () => {
    const fresh = await createSession(testDb.db, owner.id);
    const replies = await Promise.all(Array.from({ length: 20 }, () => request(gw.port, "/user/ana/api/status", { headers: { Cookie: `aula_session=${fresh}` } })));
    expect(replies.every((r) => r.status === 200)).toBe(true);
  });

  it("answers 503 when the owner's server stopped answering, and keeps serving", async () => {
    const gone = await startUpstream("gone");
    const port = gone.port;
    await gone.close();
    const ghost = await createUser(testDb.db, { username: "ghost" });
    const ghostCookie = await createSession(testDb.db, ghost.id);
    await createRunningServer(testDb.db, { userId: ghost.id, username: "ghost", hostPort: port });
    await gw.gateway.resync();
    const reply = await request(gw.port, "/user/ghost/api/status", { headers: { Cookie: `aula_session=${ghostCookie}` } });
    expect(reply.status).toBe(503);
    expect(reply.json()).toMatchObject({ error: { code: "service_unavailable" } });
    expect((await request(gw.port, "/user/ana/api/status", { headers: { Cookie: `aula_session=${ownerCookie}` } })).status).toBe(200);
  });
});
