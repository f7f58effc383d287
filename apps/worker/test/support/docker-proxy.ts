import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface CreateRequest {
  name: string | null;
  body: { HostConfig?: { DeviceRequests?: unknown }; Env?: string[] } & Record<string, unknown>;
}

/**
 * A Docker API socket in front of the real one, for tests: it records every container create
 * (the exact JSON the worker sends) and, while `holdCreates` is on, never answers them, so a
 * worker can be caught between its GPU allocation and its container.
 */
export async function startDockerProxy(upstream = "/var/run/docker.sock") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "aula-docker-proxy-"));
  const socketPath = path.join(dir, "docker.sock");
  const creates: CreateRequest[] = [];
  let holdCreates = false;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://docker");
      if (req.method === "POST" && /\/containers\/create$/.test(url.pathname)) {
        creates.push({ name: url.searchParams.get("name"), body: JSON.parse(body.toString("utf8") || "{}") as CreateRequest["body"] });
        if (holdCreates) {
          held.add(res);
          res.on("close", () => held.delete(res));
          return;
        }
      }
      const up = http.request({ socketPath: upstream, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on("error", (err) => {
        res.writeHead(502);
        res.end(err.message);
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    creates,
    hold(on: boolean) {
      holdCreates = on;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
