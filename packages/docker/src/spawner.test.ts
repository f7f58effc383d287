import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { JUPYTER_PORT_KEY } from "./container-spec";
import { startServerContainer, waitForJupyter } from "./spawner";
import { newestPythonImage } from "./testing";

// waitForJupyter against a stand-in for Notebook in a real container: silent while it "boots"
// (1.5 s), then it binds its port and, like Notebook, logs "… is running at:" (or, for an image
// that logs otherwise, nothing). Counting probes shows whether the wait followed the log.

const docker = new Docker();
const created: Docker.Container[] = [];
const BOOT_S = 1.5;

function standIn(announce: boolean): string {
  return [
    "import time, http.server",
    `time.sleep(${BOOT_S})`,
    "class H(http.server.BaseHTTPRequestHandler):",
    "    def do_GET(self):",
    "        self.send_response(200 if self.path == '/x/api/status' else 404)",
    "        self.end_headers()",
    "    def log_message(self, *a): pass",
    "server = http.server.HTTPServer(('0.0.0.0', 8888), H)",
    announce ? "print('[I 10:00:00.000 NotebookApp] Jupyter Notebook 6.4.12 is running at:', flush=True)" : "print('listening', flush=True)",
    "server.serve_forever()",
  ].join("\n");
}

/** The stand-in's container, its port published on 127.0.0.1 like a student server's. */
function standInSpec(announce: boolean, name?: string): Docker.ContainerCreateOptions {
  return {
    ...(name ? { name } : {}),
    Image: newestPythonImage(),
    Entrypoint: ["python3", "-c", standIn(announce)],
    User: "1000",
    Labels: { "aula.test": "spawner" },
    ExposedPorts: { [JUPYTER_PORT_KEY]: {} },
    HostConfig: { PortBindings: { [JUPYTER_PORT_KEY]: [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  };
}

async function startStandIn(announce: boolean): Promise<{ container: Docker.Container; port: number }> {
  const container = await docker.createContainer(standInSpec(announce));
  created.push(container);
  await container.start();
  const port = Number((await container.inspect()).NetworkSettings.Ports[JUPYTER_PORT_KEY]?.[0]?.HostPort);
  return { container, port };
}

afterAll(async () => {
  for (const c of created) await c.remove({ force: true }).catch(() => {});
});

describe("waitForJupyter", () => {
  const wait = (port: number, container?: Docker.Container) => waitForJupyter({ port, baseUrl: "/x/", token: "t", timeoutMs: 60_000, ...(container ? { container } : {}) });

  it("follows the container's log: a few probes while it boots, then it answers", async () => {
    const { container, port } = await startStandIn(true);
    const { probes, announced } = await wait(port, container);
    expect(announced).toBe(true);
    // 1.5 s at one probe per 250 ms, plus the ones right after the line; polling would be ~100.
    expect(probes).toBeLessThan(20);
  });

  it("still finds a server whose image never logs the line, probing every 250 ms", async () => {
    const { container, port } = await startStandIn(false);
    const { probes, announced } = await wait(port, container);
    expect(announced).toBe(false);
    expect(probes).toBeLessThan(20);
  });

  it("without the container it polls every 10 ms (what the log saves)", async () => {
    const { port } = await startStandIn(true);
    const { probes } = await wait(port);
    expect(probes).toBeGreaterThan(40);
  });
});

describe("startServerContainer", () => {
  it("replaces a leftover container of the same name (an interrupted attempt's debris)", async () => {
    const name = `aula-test-spawner-${randomBytes(4).toString("hex")}`;
    const spec = standInSpec(true, name);
    const debris = await docker.createContainer(spec);
    created.push(debris);
    const { containerId, hostPort } = await startServerContainer(docker, spec);
    created.push(docker.getContainer(containerId));
    expect(containerId).not.toBe(debris.id);
    expect(hostPort).toBeGreaterThan(0);
    expect(await debris.inspect().then(() => "exists", () => "gone")).toBe("gone");
    expect((await docker.getContainer(name).inspect()).Id).toBe(containerId);
  });
});
