import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@aula/db";
import { createSession, SESSION_COOKIE } from "@aula/domain";
import { createReadyStudent } from "@aula/domain/testing";
import { Child, startNode, waitFor200 } from "./procs";
import type { RunningServer, Student } from "./students";

// What scenarios 3, 4 and 6a put side by side, all on 127.0.0.1:
// - a minimal static node:http upstream (its own process, so it never shares the load
//   generator's event loop);
// - a gateway process of our own (the built apps/gateway/dist/server.js, the same code the stack
//   runs) on a database of its own, where the notebook's owner and a "static" student each have a
//   RUNNING server row pointing at their upstream. A separate database keeps the stack's worker
//   from reconciling away a server row that has no container, and gives us the gateway's pid;
// - configurable-http-proxy (JupyterHub's proxy, from npm) with the same two routes set through
//   its REST API.

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const require = createRequire(import.meta.url);
const CHP_BIN = require.resolve("configurable-http-proxy/bin/configurable-http-proxy");

const STATIC_SERVER = `
const http = require("node:http");
const body = Buffer.from('{"ok":true}');
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => console.log("port=" + server.address().port));
`;

export interface Target {
  /** Origin to send requests to. */
  origin: string;
  headers: Record<string, string>;
  /** The proxy's pid (CPU and RSS are charged to it); null for direct. */
  pid: number | null;
}

export interface Upstream {
  /** Path of the request measured, e.g. /user/<name>/api/status. */
  path: string;
  gateway: Target;
  chp: Target;
  direct: Target;
}

export interface Proxies {
  notebook: Upstream & { name: string; token: string; hostPort: number };
  static: Upstream;
  gatewayPid: number;
  chpPid: number;
  stop(): Promise<void>;
}

async function portOf(child: Child, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const m = /port=(\d+)/.exec(child.output());
    if (m) return Number(m[1]);
    if (!child.running || Date.now() > deadline) throw new Error(`${child.name} did not start: ${child.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startProxies(notebookOwner: Student, server: RunningServer): Promise<Proxies> {
  const gatewayPort = Number(process.env.AULA_BENCH_GATEWAY_PORT ?? 19010);
  const chpPort = Number(process.env.AULA_BENCH_CHP_PORT ?? 19020);
  const children: Child[] = [];
  let database: TestDatabase | null = null;
  const stop = async () => {
    for (const c of children.reverse()) await c.stop();
    await database?.drop();
  };
  try {
    const upstream = startNode("static upstream", ["-e", STATIC_SERVER], { PATH: process.env.PATH });
    children.push(upstream);
    const staticPort = await portOf(upstream, 10_000);

    database = await createTestDatabase();
    const db = database.db;
    const { course, environment } = await createReadyStudent(db);
    const week = await db.week.findFirstOrThrow({ where: { courseId: course.id } });
    const staticName = `static${randomBytes(3).toString("hex")}`;
    const cookies: Record<string, string> = {};
    for (const [username, port, token] of [
      [notebookOwner.name, server.hostPort, server.token],
      [staticName, staticPort, "static"],
    ] as const) {
      const user = await db.user.create({ data: { username, displayName: username, role: "STUDENT" } });
      const session = await createSession(db, { userId: user.id });
      cookies[username] = `${SESSION_COOKIE}=${session.secret}`;
      const now = new Date();
      await db.server.create({
        data: {
          userId: user.id, courseId: course.id, weekId: week.id, environmentId: environment.id, image: "bench",
          status: "RUNNING", containerName: `bench-${username}`, hostPort: port, token, cpus: 1, memoryMb: 1024, shmMb: 64,
          startedAt: now, readyAt: now,
        },
      });
    }

    const gateway = startNode("bench gateway", [`${REPO}apps/gateway/dist/server.js`], {
      ...process.env,
      NODE_OPTIONS: "",
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
      AULA_REDIS_PREFIX: `aula-bench-${randomBytes(4).toString("hex")}`,
      AULA_PORT: String(gatewayPort),
      AULA_PUBLIC_URL: `http://127.0.0.1:${gatewayPort}`,
    }, `${REPO}apps/gateway`);
    children.push(gateway);

    const chpToken = randomBytes(16).toString("hex");
    const chp = startNode("configurable-http-proxy", [CHP_BIN, "--ip", "127.0.0.1", "--port", String(chpPort), "--api-ip", "127.0.0.1", "--api-port", String(chpPort + 1), "--log-level", "error"], {
      PATH: process.env.PATH,
      CONFIGPROXY_AUTH_TOKEN: chpToken,
    });
    children.push(chp);
    const chpApi = `http://127.0.0.1:${chpPort + 1}/api/routes`;
    await waitFor200(chpApi, { authorization: `token ${chpToken}` }, 30_000, chp);
    for (const [name, port] of [[notebookOwner.name, server.hostPort], [staticName, staticPort]] as const) {
      const r = await fetch(`${chpApi}/user/${name}`, { method: "POST", headers: { authorization: `token ${chpToken}`, "content-type": "application/json" }, body: JSON.stringify({ target: `http://127.0.0.1:${port}` }) });
      await r.arrayBuffer();
      if (r.status !== 201) throw new Error(`configurable-http-proxy refused the route for ${name}: ${r.status}`);
    }

    const gw = `http://127.0.0.1:${gatewayPort}`;
    const cp = `http://127.0.0.1:${chpPort}`;
    const nbPath = `/user/${notebookOwner.name}/api/status`;
    const stPath = `/user/${staticName}/`;
    await waitFor200(`${gw}${stPath}`, { cookie: cookies[staticName]! }, 30_000, gateway);
    await waitFor200(`${gw}${nbPath}`, { cookie: cookies[notebookOwner.name]! }, 30_000, gateway);
    await waitFor200(`${cp}${stPath}`, {}, 10_000, chp);
    await waitFor200(`${cp}${nbPath}`, { authorization: `token ${server.token}` }, 10_000, chp);
    return {
      notebook: {
        name: notebookOwner.name,
        token: server.token,
        hostPort: server.hostPort,
        path: nbPath,
        gateway: { origin: gw, headers: { cookie: cookies[notebookOwner.name]! }, pid: gateway.pid },
        chp: { origin: cp, headers: { authorization: `token ${server.token}` }, pid: chp.pid },
        direct: { origin: `http://127.0.0.1:${server.hostPort}`, headers: { authorization: `token ${server.token}` }, pid: null },
      },
      static: {
        path: stPath,
        gateway: { origin: gw, headers: { cookie: cookies[staticName]! }, pid: gateway.pid },
        chp: { origin: cp, headers: {}, pid: chp.pid },
        direct: { origin: `http://127.0.0.1:${staticPort}`, headers: {}, pid: null },
      },
      gatewayPid: gateway.pid,
      chpPid: chp.pid,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
