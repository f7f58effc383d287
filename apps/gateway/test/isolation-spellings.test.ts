import net from "node:net";
import type { AddressInfo } from "node:net";
import { createAccount, createTestApp, type TestApp } from "../../api/test/support/test-app";
import { createSession as createPortalSession } from "@aula/domain";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawUpgradeStatus } from "./support/client";
import { request } from "./support/client";
import { createRunningServer } from "./support/factories";
import { connectRedis, dropPrefix, startGateway, testPrefix, type RunningGateway } from "./support/harness";
import { startUpstream, type Upstream } from "./support/upstream";

// Issue #7, "Isolation and auth": student B (carl) tries every spelling of student A's (dana's)
// server path, over HTTP and as a WebSocket handshake, and a server token lifted from inside a
// container is tried against the API. Behind the gateway runs the real api (its own test
// database), so the API's answer to a server token is the real one.

/** Sends `GET <target>` byte for byte (absolute-form and odd spellings included); resolves with the status. */
function rawStatus(port: number, target: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      let head = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
      socket.write(`${head}\r\n`);
    });
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on("end", () => resolve(0));
    socket.on("error", reject);
  });
}

// Spellings that name dana's server, or could be normalised into it by someone along the way.
const SPELLINGS = [
  "/user/dana/api/status",
  "/user/dana/",
  "/user/dana",
  "/user/dana/api/status/",
  "/user/Dana/api/status",
  "/user/DANA/api/status",
  "/user/%64ana/api/status",
  "/user/d%61na/api/status",
  "/user/dana%2f/api/status",
  "/user/dana%2Fapi/status",
  "/user/carl%2f..%2fdana/api/status",
  "/user/carl/..%2fdana/api/status",
  "/user/carl/%2e%2e/dana/api/status",
  "/user/carl/.%2e/dana/api/status",
  "/user/carl/%2E%2e/%2e%2E/dana/api/status",
  "/user/carl/../dana/api/status",
  "/user/carl/./../dana/api/status",
  "/user/carl/%252e%252e/dana/api/status",
  "/user/carl\\..\\dana/api/status",
  "/user/carl%5c..%5cdana/api/status",
  "/user/carl%5C..%5Cdana/api/status",
  "/user/dana;carl/api/status",
  "/user/dana;/api/status",
  "/user/carl;/../dana/api/status",
  "/user/dana%3b/api/status",
  "/user/dana./api/status",
  "/user/dana%20/api/status",
  "/user/dana%00/api/status",
  "/user//dana/api/status",
  "//user/dana/api/status",
  "/USER/dana/api/status",
  "/User/dana/api/status",
  "/./user/dana/api/status",
  "/api/../user/dana/api/status",
  "/user/dana?/../carl/",
  "http://127.0.0.1/user/dana/api/status",
  "http://dana.localhost/user/dana/api/status",
];

describe("student isolation by any path spelling", () => {
  let api: TestApp;
  let apiPort: number;
  let redis: Redis;
  const prefix = testPrefix();
  let web: Upstream;
  let danaJupyter: Upstream;
  let carlJupyter: Upstream;
  let gw: RunningGateway;
  let danaToken: string;
  let carlCookie: string;
  let danaCookie: string;

  beforeAll(async () => {
    api = await createTestApp();
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    apiPort = (api.app.server.address() as AddressInfo).port;
    redis = connectRedis();
    [web, danaJupyter, carlJupyter] = await Promise.all([startUpstream("web"), startUpstream("dana-jupyter"), startUpstream("carl-jupyter")]);
    const dana = await createAccount(api.db, "dana");
    const carl = await createAccount(api.db, "carl");
    danaToken = (await createRunningServer(api.db, { userId: dana.id, username: "dana", hostPort: danaJupyter.port })).token;
    await createRunningServer(api.db, { userId: carl.id, username: "carl", hostPort: carlJupyter.port });
    carlCookie = `aula_session=${(await createPortalSession(api.db, { userId: carl.id, ip: null, userAgent: null })).secret}`;
    danaCookie = `aula_session=${(await createPortalSession(api.db, { userId: dana.id, ip: null, userAgent: null })).secret}`;
    gw = await startGateway({ db: api.db, redis, prefix, apiPort, webPort: web.port });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([web?.close(), danaJupyter?.close(), carlJupyter?.close()]);
    if (redis) {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    }
    await api?.close();
  });

  it("lets each student reach their own server (the refusals below are about carl, not a broken setup)", async () => {
    expect((await request(gw.port, "/user/carl/api/status", { headers: { Cookie: carlCookie } })).status).toBe(200);
    expect(await rawUpgradeStatus(gw.port, "/user/carl/api/kernels/k/channels", { Cookie: carlCookie })).toBe(101);
    const before = { requests: danaJupyter.requests.length, handshakes: danaJupyter.handshakes.length };
    expect(await rawStatus(gw.port, "/user/dana/api/status", { Cookie: danaCookie })).toBe(200);
    expect(await rawUpgradeStatus(gw.port, "/user/dana/api/kernels/k1/channels", { Cookie: danaCookie })).toBe(101);
    expect(danaJupyter.requests.length).toBe(before.requests + 1);
    expect(danaJupyter.handshakes.length).toBe(before.handshakes + 1);
  });

  it.each(SPELLINGS)("never forwards carl's HTTP request %s to dana's server", async (target) => {
    const before = danaJupyter.requests.length;
    const status = await rawStatus(gw.port, target, { Cookie: carlCookie, Accept: "application/json" });
    expect(status).not.toBe(0);
    expect(status).toBeLessThan(500);
    expect(danaJupyter.requests.length).toBe(before);
  });

  it.each(SPELLINGS.map((s) => (s.includes("/api/status") ? s.replace("/api/status", "/api/kernels/k1/channels") : s)))(
    "never opens carl's WebSocket %s to dana's server",
    async (target) => {
      const before = danaJupyter.handshakes.length;
      const status = await rawUpgradeStatus(gw.port, target, { Cookie: carlCookie, Origin: `http://127.0.0.1:${gw.port}` });
      expect(status).toBeLessThan(500);
      expect(danaJupyter.handshakes.length).toBe(before);
    },
  );

  it.each(["token", "Bearer"])("gives a server token sent as `Authorization: %s …` nothing in the API", async (scheme) => {
    for (const path of ["/api/v1/me", "/api/v1/users", "/api/v1/me/courses", "/api/v1/audit"]) {
      const reply = await request(gw.port, path, { headers: { Authorization: `${scheme} ${danaToken}` } });
      expect(reply.status, path).toBe(401);
      expect(reply.json()).toMatchObject({ error: { code: "unauthenticated" } });
    }
    const write = await request(gw.port, "/api/v1/users/dana/tokens", { method: "POST", headers: { Authorization: `${scheme} ${danaToken}`, "Content-Type": "application/json" }, body: '{"name":"stolen"}' });
    expect(write.status).toBe(401);
    expect(await api.db.apiToken.count()).toBe(0);
  });

  it("gives a server token sent as the portal cookie nothing in the API", async () => {
    const reply = await request(gw.port, "/api/v1/me", { headers: { Cookie: `aula_session=${danaToken}` } });
    expect(reply.status).toBe(401);
  });

  it("gives a server token no way into another student's server through the gateway", async () => {
    const before = carlJupyter.requests.length;
    const attempts: Record<string, string>[] = [{ Authorization: `token ${danaToken}` }, { Authorization: `Bearer ${danaToken}` }, { Cookie: `aula_session=${danaToken}` }];
    for (const headers of attempts) {
      const reply = await request(gw.port, "/user/carl/api/status", { headers });
      expect(reply.status).toBe(401);
      expect(await rawUpgradeStatus(gw.port, "/user/carl/api/kernels/k/channels", headers)).toBe(401);
    }
    const query = await request(gw.port, `/user/carl/api/status?token=${danaToken}`);
    expect(query.status).toBe(401);
    expect(carlJupyter.requests.length).toBe(before);
  });

  it("sends the real api's answers, errors included, with nosniff, frame-ancestors and a referrer policy", async () => {
    for (const [path, headers] of [
      ["/api/v1/health", {}],
      ["/api/v1/me", { Cookie: carlCookie }],
      ["/api/v1/me", {}],
      ["/api/v1/users", { Cookie: carlCookie }],
      ["/api/v1/no-such-route", {}],
    ] as [string, Record<string, string>][]) {
      const reply = await request(gw.port, path, { headers });
      expect(reply.headers["x-content-type-options"], path).toBe("nosniff");
      expect(reply.headers["referrer-policy"], path).toBe("same-origin");
      expect(reply.headers["x-frame-options"], path).toBe("DENY");
      expect(reply.headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    }
  });
});
