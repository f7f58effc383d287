import type { AddressInfo } from "node:net";
import { createAccount, createTestApp, signIn, type Signed, type TestApp } from "../../api/test/support/test-app";
import { accessKey } from "@aula/queue/messages";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openSocket, rawUpgradeStatus, RefusedUpgrade, request, type Reply } from "./support/client";
import { createRunningServer } from "./support/factories";
import { startGateway, type RunningGateway } from "./support/harness";
import { startUpstream, type SeenRequest, type Upstream } from "./support/upstream";

// Per-user subdomain mode (AULA_USER_DOMAIN) end to end through the real gateway and the real
// api on one Redis prefix: the portal host refuses /user/, `<name>.<domain>` serves only that
// server, and the browser signs in there with a one-time code from the api's authorize route.
// The public URL names port 8000; requests go to the gateway's real port with that Host, which
// is what a browser would send through a port-forward (the gateway ignores the Host's port).

const PORTAL = "aula.localhost:8000";
const host = (name: string) => `${name}.aula.localhost:8000`;
const HTML = "text/html,application/xhtml+xml";

/** `Set-Cookie` name=value pairs of a reply, with their attributes. */
function setCookies(reply: Reply): { name: string; value: string; attributes: string }[] {
  const raw = reply.headers["set-cookie"] ?? [];
  return raw.map((line) => {
    const [pair = "", ...rest] = line.split(";");
    const eq = pair.indexOf("=");
    return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes: rest.join(";").trim() };
  });
}

describe("per-user subdomains through the gateway and the api", () => {
  let api: TestApp;
  let redis: TestApp["redis"];
  let web: Upstream;
  let anaJupyter: Upstream;
  let carlJupyter: Upstream;
  let gw: RunningGateway;
  let ana: Signed;
  let carl: Signed;
  let teacher: Signed;
  let teacherId: string;
  let anaServerId: string;
  let anaServerToken: string;

  /** GET through the gateway with a Host header; never follows redirects. */
  const get = (hostHeader: string, path: string, headers: Record<string, string> = {}) => request(gw.port, path, { headers: { Host: hostHeader, ...headers } });

  /**
   * Walks the sign-in like a browser: the subdomain's redirect to the portal, the portal's
   * redirect back with a code, the callback. Returns the `aula_server` cookie and the final Location.
   */
  async function signInToSubdomain(name: string, portalCookie: string, path = `/user/${name}/tree`): Promise<{ cookie: string; location: string; callback: string; stateCookie: string }> {
    const start = await get(host(name), path, { Accept: HTML });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.location ?? "");
    expect(authorize.origin).toBe(`http://${PORTAL}`);
    expect(authorize.pathname).toBe(`/api/v1/users/${name}/server/authorize`);
    const state = setCookies(start).find((c) => c.name.startsWith("aula_state_"));
    expect(state).toBeDefined();
    const stateCookie = `${state?.name}=${state?.value}`;

    const granted = await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Cookie: portalCookie, Accept: HTML });
    expect(granted.status, granted.body).toBe(302);
    const callback = new URL(granted.headers.location ?? "");
    expect(callback.origin).toBe(`http://${host(name)}`);
    expect(callback.pathname).toBe("/_aula/auth/callback");

    const done = await get(host(name), `${callback.pathname}${callback.search}`, { Cookie: stateCookie, Accept: HTML });
    expect(done.status, done.body).toBe(302);
    const server = setCookies(done).find((c) => c.name === "aula_server");
    if (!server) throw new Error(`no aula_server cookie: ${JSON.stringify(done.headers)}`);
    return { cookie: `aula_server=${server.value}`, location: done.headers.location ?? "", callback: `${callback.pathname}${callback.search}`, stateCookie };
  }

  beforeAll(async () => {
    api = await createTestApp({ publicUrl: `http://${PORTAL}`, userDomain: "aula.localhost" });
    await api.app.listen({ port: 0, host: "127.0.0.1" });
    const apiPort = (api.app.server.address() as AddressInfo).port;
    redis = api.redis;
    [web, anaJupyter, carlJupyter] = await Promise.all([startUpstream("web"), startUpstream("ana-jupyter"), startUpstream("carl-jupyter")]);
    const anaUser = await createAccount(api.db, "ana");
    const carlUser = await createAccount(api.db, "carl");
    teacherId = (await createAccount(api.db, "teacher", "instructor")).id;
    const server = await createRunningServer(api.db, { userId: anaUser.id, username: "ana", hostPort: anaJupyter.port });
    anaServerId = server.id;
    anaServerToken = server.token;
    await createRunningServer(api.db, { userId: carlUser.id, username: "carl", hostPort: carlJupyter.port });
    [ana, carl, teacher] = await Promise.all([signIn(api.app, "ana"), signIn(api.app, "carl"), signIn(api.app, "teacher")]);
    // One Redis prefix for both, as in production: the api writes codes and grants, the gateway reads them.
    gw = await startGateway({ db: api.db, redis, prefix: api.prefix, apiPort, webPort: web.port, config: { publicUrl: `http://${PORTAL}`, userDomain: "aula.localhost" } });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([web?.close(), anaJupyter?.close(), carlJupyter?.close()]);
    await api?.close();
  });

  it("sends /user/ on the portal host to the server's own origin, before any credential is looked at", async () => {
    const before = anaJupyter.requests.length;
    for (const cookie of [ana.cookie, carl.cookie, ""]) {
      const reply = await get(PORTAL, "/user/ana/tree?dir=x", cookie ? { Cookie: cookie } : {});
      expect(reply.status).toBe(302);
      expect(reply.headers.location).toBe("http://ana.aula.localhost:8000/user/ana/tree?dir=x");
    }
    expect((await get(PORTAL, "/user/ana")).headers.location).toBe("http://ana.aula.localhost:8000/user/ana/");
    expect((await get(PORTAL, "/user/carl/../ana/")).status).toBe(400);
    expect(await rawUpgradeStatus(gw.port, "/user/ana/api/kernels/k/channels", { Cookie: ana.cookie })).toBe(404);
    expect(anaJupyter.requests.length).toBe(before);
  });

  it("lists the server's url on its own origin in the api", async () => {
    const reply = await get(PORTAL, "/api/v1/users/ana/server", { Cookie: ana.cookie });
    expect(reply.status).toBe(200);
    expect(reply.json<{ server: { url: string } }>().server.url).toBe("http://ana.aula.localhost:8000/user/ana/");
  });

  it("signs the owner in with a one-time code and serves Jupyter with none of Aula's cookies forwarded", async () => {
    const { cookie, location } = await signInToSubdomain("ana", ana.cookie);
    expect(location).toBe("/user/ana/tree");
    const reply = await get(host("ana"), "/user/ana/api/contents", { Cookie: `_xsrf=x; ${cookie}; aula_session=${ana.cookie.split("=")[1] ?? ""}` });
    expect(reply.status).toBe(200);
    const seen = reply.json<SeenRequest & { name: string }>();
    expect(seen.name).toBe("ana-jupyter");
    expect(seen.headers.authorization).toBe(`token ${anaServerToken}`);
    expect(seen.headers.cookie).toBe("_xsrf=x");
    expect(seen.headers.host).toBe(host("ana"));
  });

  it("sets the subdomain cookie host-only, HttpOnly and SameSite=Lax, for that server alone", async () => {
    const start = await get(host("ana"), "/user/ana/", { Accept: HTML });
    const state = setCookies(start).find((c) => c.name.startsWith("aula_state_"));
    expect(state?.attributes).toMatch(/HttpOnly/);
    expect(state?.attributes).toMatch(/SameSite=Lax/);
    const authorize = new URL(start.headers.location ?? "");
    const granted = await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Cookie: ana.cookie });
    const callback = new URL(granted.headers.location ?? "");
    const done = await get(host("ana"), `${callback.pathname}${callback.search}`, { Cookie: `${state?.name}=${state?.value}` });
    const server = setCookies(done).find((c) => c.name === "aula_server");
    expect(server?.attributes).toMatch(/(^|; )Path=\/(;|$)/);
    expect(server?.attributes).toMatch(/HttpOnly/);
    expect(server?.attributes).toMatch(/SameSite=Lax/);
    expect(server?.attributes).not.toMatch(/Domain=/i);
    // The state cookie is spent with it.
    expect(setCookies(done).find((c) => c.name === state?.name)?.attributes).toMatch(/Max-Age=0/);
  });

  it("spends a code once, and only on the server it was issued for", async () => {
    const { callback, stateCookie } = await signInToSubdomain("ana", ana.cookie);
    const replay = await get(host("ana"), callback, { Cookie: stateCookie });
    expect(replay.status).toBe(400);
    expect(replay.json()).toMatchObject({ error: { code: "validation_failed" } });

    // A fresh code for ana's server, carried to carl's subdomain: refused there (and spent).
    const start = await get(host("ana"), "/user/ana/", { Accept: HTML });
    const authorize = new URL(start.headers.location ?? "");
    const granted = await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Cookie: ana.cookie });
    const callbackUrl = new URL(granted.headers.location ?? "");
    const state = setCookies(start).find((c) => c.name.startsWith("aula_state_"));
    const elsewhere = await get(host("carl"), `${callbackUrl.pathname}${callbackUrl.search}`, { Cookie: `${state?.name}=${state?.value}` });
    expect(elsewhere.status).toBe(400);
    expect((await get(host("ana"), `${callbackUrl.pathname}${callbackUrl.search}`, { Cookie: `${state?.name}=${state?.value}` })).status).toBe(400);
  });

  it("refuses a callback without the state cookie of the browser that started the sign-in", async () => {
    const start = await get(host("ana"), "/user/ana/", { Accept: HTML });
    const authorize = new URL(start.headers.location ?? "");
    const granted = await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Cookie: ana.cookie });
    const callback = new URL(granted.headers.location ?? "");
    const reply = await get(host("ana"), `${callback.pathname}${callback.search}`, { Cookie: "aula_state_someoneelse=1" });
    expect(reply.status).toBe(400);
    expect(reply.headers["set-cookie"]).toBeUndefined();
  });

  it("sends a visitor without a portal session to the login page, and back to authorize afterwards", async () => {
    const start = await get(host("ana"), "/user/ana/tree", { Accept: HTML });
    const authorize = new URL(start.headers.location ?? "");
    const reply = await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Accept: HTML });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`/login?next=${encodeURIComponent(`${authorize.pathname}${authorize.search}`)}`);
    // Requests that are not page loads get a 401 rather than a redirect.
    const xhr = await get(host("ana"), "/user/ana/api/contents");
    expect(xhr.status).toBe(401);
    expect(xhr.json()).toMatchObject({ error: { code: "unauthenticated" } });
  });

  it("never lets another student in: no code from the api, and their own subdomain cookie counts for nothing here", async () => {
    const before = anaJupyter.requests.length;
    const refused = await get(PORTAL, "/api/v1/users/ana/server/authorize?state=AAAAAAAAAAAAAAAAAAAAAA&next=%2Fuser%2Fana%2F", { Cookie: carl.cookie });
    expect(refused.status).toBe(404);
    expect(refused.json()).toMatchObject({ error: { code: "not_found" } });
    // carl signs in to his own subdomain and sends that cookie to ana's (as a cookie tossed with
    // Domain=aula.localhost would arrive): it is not ana's server's cookie.
    const { cookie } = await signInToSubdomain("carl", carl.cookie);
    expect((await get(host("carl"), "/user/carl/api/status", { Cookie: cookie })).status).toBe(200);
    expect((await get(host("ana"), "/user/ana/api/status", { Cookie: cookie })).status).toBe(401);
    expect((await get(host("ana"), "/user/ana/tree", { Cookie: cookie, Accept: HTML })).headers.location).toMatch(/^http:\/\/aula\.localhost:8000\/api\/v1\/users\/ana\/server\/authorize\?/);
    await expect(openSocket(gw.port, "/user/ana/api/kernels/k/channels", { Host: host("ana"), Cookie: cookie })).rejects.toEqual(new RefusedUpgrade(401));
    // Nor does carl's host serve ana's server, whatever the cookie.
    expect((await get(host("carl"), "/user/ana/api/status", { Cookie: cookie })).status).toBe(404);
    expect(anaJupyter.requests.length).toBe(before);
  });

  it("lets an instructor in only while the audited access grant exists", async () => {
    const path = "/api/v1/users/ana/server/authorize?state=BBBBBBBBBBBBBBBBBBBBBB&next=%2Fuser%2Fana%2F";
    expect((await get(PORTAL, path, { Cookie: teacher.cookie })).status).toBe(404);
    const key = accessKey(api.prefix, anaServerId, teacherId);
    await redis.set(key, "{}", "EX", 60);
    const { cookie } = await signInToSubdomain("ana", teacher.cookie);
    expect((await get(host("ana"), "/user/ana/api/status", { Cookie: cookie })).status).toBe(200);
    await redis.del(key);
    await vi.waitFor(async () => expect((await get(host("ana"), "/user/ana/api/status", { Cookie: cookie })).status).toBe(404), { timeout: 5000, interval: 250 });
  });

  it("never redirects anywhere but the named user's own subdomain", async () => {
    for (const next of ["//evil.example/", "https://evil.example/user/ana/", "/user/carl/", "/user/ana/\\evil", "/login"]) {
      const reply = await get(PORTAL, `/api/v1/users/ana/server/authorize?state=CCCCCCCCCCCCCCCCCCCCCC&next=${encodeURIComponent(next)}`, { Cookie: ana.cookie });
      expect(reply.status).toBe(302);
      const location = new URL(reply.headers.location ?? "");
      expect(location.origin).toBe(`http://${host("ana")}`);
      expect(location.searchParams.get("next")).toBe("/user/ana/");
    }
    // A callback whose next was tampered with after the portal issued it: the gateway keeps it inside the server too.
    for (const next of ["//evil.example/", "https://evil.example/", "/user/carl/", "/user/ana/\r\nSet-Cookie: x=1"]) {
      const start = await get(host("ana"), "/user/ana/", { Accept: HTML });
      const state = setCookies(start).find((c) => c.name.startsWith("aula_state_"));
      const authorize = new URL(start.headers.location ?? "");
      const callback = new URL((await get(PORTAL, `${authorize.pathname}${authorize.search}`, { Cookie: ana.cookie })).headers.location ?? "");
      callback.searchParams.set("next", next);
      const done = await get(host("ana"), `${callback.pathname}${callback.search}`, { Cookie: `${state?.name}=${state?.value}` });
      expect(done.status).toBe(302);
      expect(done.headers.location).toBe("/user/ana/");
    }
    for (const name of ["x@evil.example%23", "evil.example%2F", "ANA"]) {
      expect((await get(PORTAL, `/api/v1/users/${name}/server/authorize?state=CCCCCCCCCCCCCCCCCCCCCC`, { Cookie: ana.cookie })).status).toBe(404);
    }
  });

  it("serves nothing but the server on a subdomain", async () => {
    expect((await get(host("ana"), "/")).headers.location).toBe("/user/ana/");
    for (const path of ["/api/v1/me", "/login", "/dashboard", "/_aula/auth/other"]) {
      const reply = await get(host("ana"), path, { Cookie: ana.cookie });
      expect(reply.status, path).toBe(404);
    }
    expect((await get("a.ana.aula.localhost:8000", "/user/ana/")).status).toBe(404);
    expect(web.requests.filter((r) => r.headers.host !== PORTAL && r.headers.host !== undefined && r.headers.host.includes("ana.")).length).toBe(0);
  });

  it("ends the subdomain cookie and closes its WebSockets when the portal session logs out", async () => {
    const session = await signIn(api.app, "ana");
    const { cookie } = await signInToSubdomain("ana", session.cookie);
    const socket = await openSocket(gw.port, "/user/ana/api/kernels/k1/channels", { Host: host("ana"), Cookie: cookie, Origin: `http://${host("ana")}` });
    expect(anaJupyter.handshakes.at(-1)?.cookie).toBeUndefined();
    const logout = await request(gw.port, "/api/v1/auth/logout", { method: "POST", headers: { Host: PORTAL, ...session.headers } });
    expect(logout.status).toBe(204);
    await socket.closed;
    await vi.waitFor(async () => expect((await get(host("ana"), "/user/ana/api/status", { Cookie: cookie })).status).toBe(401), { timeout: 5000, interval: 250 });
    await expect(openSocket(gw.port, "/user/ana/api/kernels/k1/channels", { Host: host("ana"), Cookie: cookie })).rejects.toEqual(new RefusedUpgrade(401));
  });

  it("ends the subdomain cookie and closes its WebSockets when the password is changed", async () => {
    await createAccount(api.db, "finn");
    const finnServer = await startUpstream("finn-jupyter");
    try {
      const finnRow = await api.db.user.findUniqueOrThrow({ where: { username: "finn" } });
      await createRunningServer(api.db, { userId: finnRow.id, username: "finn", hostPort: finnServer.port });
      await gw.gateway.resync();
      const session = await signIn(api.app, "finn");
      const { cookie } = await signInToSubdomain("finn", session.cookie);
      const socket = await openSocket(gw.port, "/user/finn/api/kernels/k1/channels", { Host: host("finn"), Cookie: cookie, Origin: `http://${host("finn")}` });
      const changed = await request(gw.port, "/api/v1/auth/password", {
        method: "POST",
        headers: { Host: PORTAL, ...session.headers, "Content-Type": "application/json" },
        body: JSON.stringify({ currentPassword: "correct horse battery", newPassword: "a brand new passphrase" }),
      });
      expect(changed.status, changed.body).toBe(200);
      await socket.closed;
      await vi.waitFor(async () => expect((await get(host("finn"), "/user/finn/api/status", { Cookie: cookie })).status).toBe(401), { timeout: 5000, interval: 250 });
    } finally {
      await finnServer.close();
    }
  });

  it("ends the subdomain cookie and closes its WebSockets when an admin disables the user", async () => {
    await createAccount(api.db, "root", "admin");
    const admin = await signIn(api.app, "root");
    const { cookie } = await signInToSubdomain("carl", carl.cookie);
    expect((await get(host("carl"), "/user/carl/api/status", { Cookie: cookie })).status).toBe(200);
    const socket = await openSocket(gw.port, "/user/carl/api/kernels/k1/channels", { Host: host("carl"), Cookie: cookie, Origin: `http://${host("carl")}` });
    const disabled = await request(gw.port, "/api/v1/users/carl", { method: "PATCH", headers: { Host: PORTAL, ...admin.headers, "Content-Type": "application/json" }, body: JSON.stringify({ disabled: true }) });
    expect(disabled.status, disabled.body).toBe(200);
    await socket.closed;
    await vi.waitFor(async () => expect((await get(host("carl"), "/user/carl/api/status", { Cookie: cookie })).status).toBe(401), { timeout: 5000, interval: 250 });
  });

  it("sends the owner of a server that is not running to the portal's start page", async () => {
    await createAccount(api.db, "eve");
    const eve = await signIn(api.app, "eve");
    const { cookie } = await signInToSubdomain("eve", eve.cookie);
    const reply = await get(host("eve"), "/user/eve/tree", { Cookie: cookie, Accept: HTML });
    expect(reply.status).toBe(302);
    expect(reply.headers.location).toBe(`http://${PORTAL}/spawn/eve?next=${encodeURIComponent("/user/eve/tree")}`);
    expect((await get(host("eve"), "/user/eve/api/status", { Cookie: cookie })).status).toBe(503);
  });
});

describe("the authorize route with per-user subdomains off", () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await createTestApp();
  });
  afterAll(async () => {
    await api?.close();
  });

  it("answers not_found", async () => {
    await createAccount(api.db, "dora");
    const dora = await signIn(api.app, "dora");
    const reply = await api.app.inject({ method: "GET", url: "/api/v1/users/dora/server/authorize?state=AAAAAAAAAAAAAAAAAAAAAA", headers: { cookie: dora.cookie } });
    expect(reply.statusCode).toBe(404);
    expect(reply.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
