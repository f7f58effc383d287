import { createTestDatabase, type TestDatabase } from "@aula/db";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { activityKey } from "@aula/queue/messages";
import { publishRouteRemove } from "@aula/queue/messages";
import { publishRevokeUser } from "@aula/queue/messages";
import { nextMessage, openSocket, rawUpgradeStatus, RefusedUpgrade, type OpenedSocket } from "./support/client";
import { createRunningServer, createSession, createUser } from "./support/factories";
import { connectRedis, dropPrefix, startGateway, testPrefix, type RunningGateway } from "./support/harness";
import { startUpstream, type Upstream } from "./support/upstream";

const KERNEL = "/user/bea/api/kernels/k1/channels?session_id=s1";

describe("/user/<name>/ WebSockets", () => {
  let testDb: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix();
  let api: Upstream;
  let web: Upstream;
  let jupyter: Upstream;
  let gw: RunningGateway;
  let owner: { id: string; username: string };
  let ownerCookie: string;
  let otherCookie: string;
  let serverId: string;
  let serverToken: string;
  const opened: OpenedSocket[] = [];

  async function open(path: string, cookie: string): Promise<OpenedSocket> {
    const socket = await openSocket(gw.port, path, { Cookie: `_xsrf=x; aula_session=${cookie}`, Origin: `http://127.0.0.1:${gw.port}` });
    opened.push(socket);
    return socket;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = connectRedis();
    [api, web, jupyter] = await Promise.all([startUpstream("api"), startUpstream("web"), startUpstream("jupyter")]);
    owner = await createUser(testDb.db, { username: "bea" });
    ownerCookie = await createSession(testDb.db, owner.id);
    const other = await createUser(testDb.db, { username: "carl" });
    otherCookie = await createSession(testDb.db, other.id);
    const server = await createRunningServer(testDb.db, { userId: owner.id, username: owner.username, hostPort: jupyter.port });
    serverId = server.id;
    serverToken = server.token;
    gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
  });

  afterEach(() => {
    for (const s of opened.splice(0)) s.ws.terminate();
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

  it("connects the owner's kernel WebSocket with the token injected and the portal cookie removed", async () => {
    const { ws } = await open(KERNEL, ownerCookie);
    const reply = nextMessage(ws);
    ws.send("hello kernel");
    expect(await reply).toBe("hello kernel");
    const handshake = jupyter.handshakes.at(-1);
    expect(handshake?.authorization).toBe(`token ${serverToken}`);
    expect(handshake?.cookie).toBe("_xsrf=x");
    expect(handshake?.host).toBe(`127.0.0.1:${gw.port}`);
    expect(handshake?.["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("refuses another user's WebSocket with 404", async () => {
    const before = jupyter.handshakes.length;
    await expect(open(KERNEL, otherCookie)).rejects.toEqual(new RefusedUpgrade(404));
    expect(jupyter.handshakes.length).toBe(before);
  });

  it("refuses an unauthenticated WebSocket with 401 and a dot-segment path with 400", async () => {
    await expect(openSocket(gw.port, KERNEL, {})).rejects.toEqual(new RefusedUpgrade(401));
    const before = jupyter.handshakes.length;
    expect(await rawUpgradeStatus(gw.port, "/user/carl/../bea/api/kernels/k1/channels", { Cookie: `aula_session=${ownerCookie}` })).toBe(400);
    expect(await rawUpgradeStatus(gw.port, "/user/bea/api/kernels/%2e%2e/k1/channels", { Cookie: `aula_session=${ownerCookie}` })).toBe(400);
    expect(jupyter.handshakes.length).toBe(before);
  });

  it("closes every open WebSocket of a user when their sessions are revoked", async () => {
    const first = await open(KERNEL, ownerCookie);
    const second = await open("/user/bea/terminals/websocket/1", ownerCookie);
    await publishRevokeUser(redis, prefix, owner.id);
    await Promise.all([first.closed, second.closed]);
    await vi.waitFor(() => expect(jupyter.sockets.size).toBe(0));
  });

  it("closes a server's WebSockets when its route is removed", async () => {
    const socket = await open(KERNEL, ownerCookie);
    await publishRouteRemove(redis, prefix, { username: "bea", serverId });
    await socket.closed;
    // Put the route back for the other tests (as the worker would on the next start).
    await gw.gateway.resync();
    expect(gw.gateway.routes.get("bea")?.serverId).toBe(serverId);
  });

  it("records WebSocket traffic as activity", async () => {
    const { ws } = await open(KERNEL, ownerCookie);
    await gw.gateway.flushActivity();
    await redis.hdel(activityKey(prefix), serverId);
    const reply = nextMessage(ws);
    ws.send("execute_request");
    await reply;
    // Traffic within the same clock tick as the handshake may be sampled away; wait for a tick.
    await vi.waitFor(
      async () => {
        ws.send("ping");
        await gw.gateway.flushActivity();
        expect(await redis.hget(activityKey(prefix), serverId)).not.toBeNull();
      },
      { timeout: 5000, interval: 300 },
    );
  });
});
