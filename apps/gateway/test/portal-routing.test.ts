import http from "node:http";
import net from "node:net";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "./support/client";
import { connectRedis, dropPrefix, startGateway, testPrefix, type RunningGateway } from "./support/harness";
import { closedPort, startUpstream, type SeenRequest, type Upstream } from "./support/upstream";

describe("portal and API routing", () => {
  let testDb: TestDatabase;
  let redis: Redis;
  const prefix = testPrefix();
  let api: Upstream;
  let web: Upstream;
  let gw: RunningGateway;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    redis = connectRedis();
    api = await startUpstream("api");
    web = await startUpstream("web");
    gw = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: web.port });
  });

  afterAll(async () => {
    await gw?.close();
    await api?.close();
    await web?.close();
    if (redis) {
      await dropPrefix(redis, prefix);
      redis.disconnect();
    }
    await testDb?.drop();
  });

  it("sends /api/… and /metrics to the api and everything else to the portal", async () => {
    expect((await request(gw.port, "/api/v1/me")).json().name).toBe("api");
    expect((await request(gw.port, "/api")).json().name).toBe("api");
    expect((await request(gw.port, "/metrics")).json().name).toBe("api");
    expect((await request(gw.port, "/")).json().name).toBe("web");
    expect((await request(gw.port, "/apiary")).json().name).toBe("web");
    expect((await request(gw.port, "/login?next=%2Fuser%2Fana%2F")).json().name).toBe("web");
  });

  it("keeps the path, query, Host and the portal cookie when forwarding to the api", async () => {
    const reply = await request(gw.port, "/api/v1/courses?page=2", { headers: { Host: "aula.example:8443", Cookie: "aula_session=abc; theme=dark", Authorization: "Bearer aula_x" } });
    const seen = reply.json<SeenRequest>();
    expect(seen.url).toBe("/api/v1/courses?page=2");
    expect(seen.headers.host).toBe("aula.example:8443");
    expect(seen.headers.cookie).toBe("aula_session=abc; theme=dark");
    expect(seen.headers.authorization).toBe("Bearer aula_x");
  });

  it("overwrites X-Forwarded-* with what the gateway saw, never the client's claims", async () => {
    const reply = await request(gw.port, "/api/v1/me", {
      headers: { Host: "aula.example:8443", "X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "1", Forwarded: "for=6.6.6.6", "X-Real-IP": "6.6.6.6" },
    });
    const { headers } = reply.json<SeenRequest>();
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("aula.example:8443");
    expect(headers["x-forwarded-port"]).toBe("8443");
    expect(headers.forwarded).toBeUndefined();
    expect(headers["x-real-ip"]).toBeUndefined();
  });

  it("drops hop-by-hop headers, including those the Connection header names", async () => {
    const reply = await request(gw.port, "/", { headers: { Connection: "keep-alive, X-Secret-Hop", "X-Secret-Hop": "1", "Keep-Alive": "timeout=5", "Proxy-Authorization": "Basic eA==", TE: "trailers", "X-Kept": "yes" } });
    const { headers } = reply.json<SeenRequest>();
    expect(headers["x-secret-hop"]).toBeUndefined();
    expect(headers["proxy-authorization"]).toBeUndefined();
    expect(headers.te).toBeUndefined();
    expect(headers["x-kept"]).toBe("yes");
  });

  it("streams request and response bodies both ways", async () => {
    const body = "x".repeat(4 * 1024 * 1024);
    const reply = await request(gw.port, "/api/v1/upload", { method: "POST", headers: { "Content-Type": "text/plain" }, body });
    expect(reply.json<SeenRequest>().body).toBe(body);
  });

  it("forwards a chunked upload without a Content-Length", async () => {
    const seen = await new Promise<SeenRequest>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port: gw.port, path: "/api/v1/upload", method: "POST", agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as SeenRequest));
      });
      req.on("error", reject);
      req.write("first,");
      setImmediate(() => req.end("second"));
    });
    expect(seen.body).toBe("first,second");
  });

  it("answers HEAD requests without a body", async () => {
    const reply = await request(gw.port, "/", { method: "HEAD" });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("");
  });

  it("adds security headers to portal and API responses", async () => {
    for (const path of ["/", "/api/v1/me"]) {
      const reply = await request(gw.port, path);
      expect(reply.headers["x-content-type-options"]).toBe("nosniff");
      expect(reply.headers["referrer-policy"]).toBe("same-origin");
      expect(reply.headers["x-frame-options"]).toBe("DENY");
      expect(reply.headers["content-security-policy"]).toBe("frame-ancestors 'none'");
    }
  });

  it("adds frame-ancestors to a CSP the upstream set, and keeps the upstream's own choices", async () => {
    const styled = await startUpstream("web", { "Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "SAMEORIGIN" });
    const other = await startGateway({ db: testDb.db, redis, prefix, apiPort: api.port, webPort: styled.port });
    try {
      const reply = await request(other.port, "/");
      expect(reply.headers["content-security-policy"]).toBe("default-src 'self'; frame-ancestors 'none'");
      expect(reply.headers["x-frame-options"]).toBe("SAMEORIGIN");
    } finally {
      await other.close();
      await styled.close();
    }
  });

  it("answers 503 with the JSON envelope when the api is down, and a restarting page when the portal is", async () => {
    const down = await startGateway({ db: testDb.db, redis, prefix, apiPort: await closedPort(), webPort: await closedPort() });
    try {
      const apiReply = await request(down.port, "/api/v1/me");
      expect(apiReply.status).toBe(503);
      expect(apiReply.json()).toMatchObject({ error: { code: "service_unavailable" } });
      expect(typeof apiReply.json().requestId).toBe("string");
      expect(apiReply.headers["x-frame-options"]).toBe("DENY");

      const webReply = await request(down.port, "/courses", { headers: { Accept: "text/html" } });
      expect(webReply.status).toBe(503);
      expect(webReply.headers["content-type"]).toContain("text/html");
      expect(webReply.body).toContain("Aula's portal is restarting, try again in a few seconds");

      // And it is still serving afterwards.
      expect((await request(down.port, "/api/v1/me")).status).toBe(503);
    } finally {
      await down.close();
    }
  });

  it("survives clients that abort mid-request", async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(gw.port, "127.0.0.1", () => {
        socket.write("POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\npartial");
        setImmediate(() => {
          socket.destroy();
          resolve();
        });
      });
    });
    expect((await request(gw.port, "/api/v1/me")).status).toBe(200);
  });
});
