import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUDENT_BRIDGE, STUDENT_NETWORK } from "@aula/docker";
import { createTestApp, type TestApp } from "../../api/test/support/test-app";
import { createServerHarness, type GatewayHandle, type ServerHarness, type WorkerSet } from "./support/server-harness";
import { execIn, type ExecResult } from "./support/container-exec";
import { until } from "./support/waits";

// Issue #7, "Student containers": one real student container, spawned the way students get
// theirs, audited from outside (docker inspect) and attacked from inside (docker exec as the
// container's own user). Small limits keep the fork bomb and the memory hog quick.

const MEMORY_MB = 512;
const PIDS_LIMIT = 512;
const run = promisify(execFile);

describe("a spawned student container", () => {
  let h: ServerHarness;
  let set: WorkerSet;
  let gw: GatewayHandle;
  let api: TestApp;
  let username: string;
  let cookie: string;
  let info: Docker.ContainerInspectInfo;
  /** Student B, whose server is spawned while A's container sits at its pids limit. */
  let otherStudent: { username: string; cookie: string } | undefined;

  /** Runs `sh -c script` in the student's container as the container's own user (1000:1000). */
  const inside = (script: string, timeoutMs?: number) => execIn(`aula-${username}`, script, timeoutMs);

  beforeAll(async () => {
    h = await createServerHarness();
    api = await createTestApp();
    set = await h.startWorkers();
    gw = await h.startGateway();
    const started = await h.startStudentServer(set, { cpus: 1, memoryMb: MEMORY_MB });
    username = started.student.username;
    cookie = started.cookie;
    await h.untilRunning(started.server.id);
    info = await h.docker.getContainer(`aula-${username}`).inspect();
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await h?.close();
  }, 60_000);

  describe("passes the inspect audit", () => {
    it("runs as the non-root user 1000:1000, unprivileged, with every capability dropped and no-new-privileges", () => {
      expect(info.Config.User).toBe("1000:1000");
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
      expect(info.HostConfig.CapAdd ?? []).toEqual([]);
      expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
      const securityOpt = (info.HostConfig.SecurityOpt ?? []) as string[];
      expect(securityOpt.some((o) => /unconfined/.test(o))).toBe(false);
    });

    it("has pids, memory (without extra swap) and CPU limits from the course policy", () => {
      expect(info.HostConfig.PidsLimit).toBe(PIDS_LIMIT);
      expect(info.HostConfig.Memory).toBe(MEMORY_MB * 1024 * 1024);
      expect(info.HostConfig.MemorySwap).toBe(MEMORY_MB * 1024 * 1024);
      expect(info.HostConfig.NanoCpus).toBe(1e9);
    });

    it("keeps its logs in a size-limited json-file", () => {
      expect(info.HostConfig.LogConfig?.Type).toBe("json-file");
      const logConfig = (info.HostConfig.LogConfig?.Config ?? {}) as Record<string, string>;
      expect(Number.parseInt(logConfig["max-size"] ?? "", 10)).toBeGreaterThan(0);
      expect(Number.parseInt(logConfig["max-file"] ?? "", 10)).toBeGreaterThan(0);
    });

    it("mounts no Docker socket: only its own volumes, plus the week's materials read-only", () => {
      const sources = info.Mounts.map((m) => `${m.Source} -> ${m.Destination}`).join("\n");
      expect(sources).not.toMatch(/docker\.sock|containerd\.sock|\/run\/|\/var\/run/);
      for (const m of info.Mounts) {
        if (m.Type === "volume") expect(m.Name).toMatch(new RegExp(`^aula-(home|checkpoints|cache)-${username}$`));
        else {
          expect(m.Type, `${m.Source} -> ${m.Destination}`).toBe("bind");
          expect(m.Source.startsWith(`${h.dataDir}/`), m.Source).toBe(true);
          expect(m.RW, m.Destination).toBe(false);
        }
      }
      expect(info.HostConfig.Binds ?? []).toEqual([]);
    });

    it("shares neither the host's network, PID nor IPC namespace, nor its devices", () => {
      expect(info.HostConfig.NetworkMode).not.toBe("host");
      expect(info.HostConfig.PidMode ?? "").not.toBe("host");
      expect(info.HostConfig.IpcMode ?? "").not.toBe("host");
      expect(info.HostConfig.UTSMode ?? "").not.toBe("host");
      expect(info.HostConfig.UsernsMode ?? "").not.toBe("host");
      expect(info.HostConfig.Devices ?? []).toEqual([]);
    });

    it("joins only the student network, a bridge on its fixed interface with inter-container traffic off", async () => {
      expect(info.HostConfig.NetworkMode).toBe(STUDENT_NETWORK);
      expect(Object.keys(info.NetworkSettings.Networks)).toEqual([STUDENT_NETWORK]);
      const network = (await h.docker.getNetwork(STUDENT_NETWORK).inspect()) as { Driver: string; Internal: boolean; Options: Record<string, string>; Containers?: Record<string, unknown> };
      expect(network.Driver).toBe("bridge");
      expect(network.Options["com.docker.network.bridge.enable_icc"]).toBe("false");
      expect(network.Options["com.docker.network.bridge.name"]).toBe(STUDENT_BRIDGE);
      expect(Object.keys(network.Containers ?? {})).toContain(info.Id);
      // What Docker made of "ICC off", read back without sending a packet: a DROP between two
      // ports of the bridge, which bridged traffic meets because br_netfilter hands it to iptables.
      const forward = (await run("iptables", ["-w", "-S", "FORWARD"], { encoding: "utf8" })).stdout.split("\n");
      expect(forward).toContain(`-A FORWARD -i ${STUDENT_BRIDGE} -o ${STUDENT_BRIDGE} -j DROP`);
      expect(forward).not.toContain(`-A FORWARD -i ${STUDENT_BRIDGE} -o ${STUDENT_BRIDGE} -j ACCEPT`);
      expect((await readFile("/proc/sys/net/bridge/bridge-nf-call-iptables", "utf8")).trim()).toBe("1");
    });

    it("publishes every port on 127.0.0.1 only", () => {
      const portBindings = (info.HostConfig.PortBindings ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
      const bindings = Object.values(portBindings).flatMap((b) => b ?? []);
      expect(bindings.length).toBeGreaterThan(0);
      for (const b of bindings) expect(b.HostIp).toBe("127.0.0.1");
      const ports = (info.NetworkSettings.Ports ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
      const live = Object.values(ports).flatMap((b) => b ?? []);
      expect(live.length).toBeGreaterThan(0);
      for (const b of live) expect(b.HostIp).toBe("127.0.0.1");
    });

    it("requests no devices on a CPU environment", () => {
      expect(info.HostConfig.DeviceRequests ?? []).toEqual([]);
      expect(info.Config.Env).toContain("NVIDIA_VISIBLE_DEVICES=void");
    });
  });

  describe("refuses privilege escalation from inside", () => {
    it("runs docker exec as uid 1000 with no effective or bounding capabilities and NoNewPrivs set", async () => {
      const r = await inside("id -u; id -g; grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs):' /proc/self/status");
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines[0]).toBe("1000");
      expect(lines[1]).toBe("1000");
      expect(r.stdout).toMatch(/CapEff:\s+0+\n/);
      expect(r.stdout).toMatch(/CapPrm:\s+0+\n/);
      expect(r.stdout).toMatch(/CapBnd:\s+0+\n/);
      expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
    });

    it("has no working sudo or su", async () => {
      const sudo = await inside("sudo -n id -u </dev/null");
      expect(sudo.code).not.toBe(0);
      expect(sudo.stdout).not.toMatch(/^0$/m);
      const su = await inside("echo root | su -c 'id -u' root");
      expect(su.code).not.toBe(0);
      expect(su.stdout).not.toMatch(/^0$/m);
    });

    it("gains no root through setuid(0) or any setuid binary in the image", async () => {
      const setuid = await inside(`python3 -c "import os; os.setuid(0)"`);
      expect(setuid.code).not.toBe(0);
      expect(setuid.stderr).toMatch(/PermissionError|Operation not permitted/);
      // setuid binaries stay harmless: with no-new-privileges the kernel ignores their setuid bit.
      const su = await inside("for b in $(find / -xdev -perm -4000 -type f 2>/dev/null); do echo $b; done; grep -E '^NoNewPrivs:' /proc/self/status");
      expect(su.stdout).toMatch(/NoNewPrivs:\s+1/);
    });

    it("cannot mount, mknod or create a user namespace", async () => {
      // Refused, not merely missing (127 would be "command not found").
      const refused = (r: ExecResult) => {
        expect(r.code, r.stderr).not.toBe(0);
        expect(r.code, r.stderr).not.toBe(127);
      };
      refused(await inside("mkdir -p /tmp/mnt && mount -t tmpfs x /tmp/mnt"));
      refused(await inside("mknod /tmp/null-dev c 1 3"));
      refused(await inside("unshare -r id -u"));
      refused(await inside("unshare --user --map-root-user true"));
      const viaLibc = await inside(`python3 -c "import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); rc = libc.unshare(0x10000000); print(rc, ctypes.get_errno()); os._exit(0 if rc == 0 else 1)"`);
      refused(viaLibc);
      expect(viaLibc.stdout).toMatch(/^-1 (1|22|28)\b/);
    });
  });

  describe("serves the student's files without handing them the portal's origin", () => {
    it("sends an HTML file from /files/ with a CSP sandbox, so its script runs in an opaque origin", async () => {
      const html = "<script>fetch('/api/v1/me')</script>";
      const put = await fetch(`${gw.base}/user/${username}/api/contents/evil.html`, {
        method: "PUT",
        headers: { cookie, "content-type": "application/json" },
        body: JSON.stringify({ type: "file", format: "text", content: html }),
      });
      expect(put.status).toBeLessThan(300);
      const res = await fetch(`${gw.base}/user/${username}/files/evil.html`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy") ?? "").toMatch(/\bsandbox\b/);
      expect(res.headers.get("content-security-policy") ?? "").not.toMatch(/allow-same-origin/);
      // A notebook rendered to HTML (script in a markdown cell) is sandboxed the same way.
      const nb = { cells: [{ cell_type: "markdown", metadata: {}, source: html }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
      const putNb = await fetch(`${gw.base}/user/${username}/api/contents/evil.ipynb`, { method: "PUT", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ type: "notebook", format: "json", content: nb }) });
      expect(putNb.status).toBeLessThan(300);
      const rendered = await fetch(`${gw.base}/user/${username}/nbconvert/html/evil.ipynb?download=false`, { headers: { cookie } });
      expect(rendered.status).toBe(200);
      expect(rendered.headers.get("content-security-policy") ?? "").toMatch(/\bsandbox\b/);
      expect(rendered.headers.get("content-security-policy") ?? "").not.toMatch(/allow-same-origin/);
    });
  });

  describe("keeps resource abuse inside the student's own limits", () => {
    it("holds a fork bomb at the pids limit while another student's server spawns and answers through the gateway, and the api stays healthy", async () => {
      // Forks until the kernel refuses, then holds every child (the container stays at its limit)
      // until the test sends SIGUSR1 from the host: a process at its pids limit cannot be reached
      // by docker exec, so the host signals it by pid. `timeout` ends it if the test never does.
      const bomb = [
        "import os, signal, time",
        "kids = []",
        "stop = []",
        "try:",
        "    while len(kids) < 5000:",
        "        pid = os.fork()",
        "        if pid == 0:",
        "            time.sleep(600)",
        "            os._exit(0)",
        "        kids.append(pid)",
        '    print("unbounded", len(kids))',
        "except OSError as e:",
        '    print("blocked", len(kids), e.errno, flush=True)',
        "    signal.signal(signal.SIGUSR1, lambda *a: stop.append(1))",
        "    while not stop:",
        "        time.sleep(0.1)",
        '    print("released")',
        "finally:",
        "    for k in kids:",
        "        try: os.kill(k, signal.SIGKILL)",
        "        except OSError: pass",
        "    for k in kids:",
        "        try: os.waitpid(k, 0)",
        "        except OSError: pass",
      ].join("\n");
      const pending = inside(`timeout 150 python3 -c '${bomb}' aula-fork-bomb`, 170_000);
      let done = false;
      void pending.finally(() => {
        done = true;
      });
      const container = h.docker.getContainer(`aula-${username}`);
      const pids = async () => ((await container.stats({ stream: false })) as { pids_stats?: { current?: number } }).pids_stats?.current ?? 0;
      await until("the fork bomb to reach the pids limit", async () => done || (await pids()) >= PIDS_LIMIT - 2, 60_000);
      expect(done, "the fork bomb ended before it reached the limit").toBe(false);

      // The api's health is polled for the whole time A's container sits at its limit.
      const health: number[] = [];
      const polling = (async () => {
        while (!done) {
          health.push((await api.app.inject({ method: "GET", url: "/api/v1/health" })).statusCode);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      const other = await h.startStudentServer(set, { cpus: 1, memoryMb: MEMORY_MB });
      otherStudent = { username: other.student.username, cookie: other.cookie };
      await h.untilRunning(other.server.id, 90_000);
      const otherStatus = await until("B's Jupyter through the gateway", async () => {
        const res = await fetch(`${gw.base}/user/${other.student.username}/api/status`, { headers: { cookie: other.cookie } });
        return res.status === 200 ? res : null;
      }, 20_000);
      expect(otherStatus.status).toBe(200);
      // All of that happened with A still held at its limit.
      expect(done).toBe(false);
      expect(await pids()).toBeGreaterThanOrEqual(PIDS_LIMIT - 2);

      // Release the bomb: SIGUSR1 to its parent (the python whose parent is not another of them).
      const top = (await container.top({ ps_args: "-eo pid,ppid,args" })) as { Processes: string[][] };
      const bombs = top.Processes.filter((p) => (p[2] ?? "").includes("aula-fork-bomb") && (p[2] ?? "").startsWith("python3"));
      const bombPids = new Set(bombs.map((p) => p[0]));
      const parent = bombs.find((p) => !bombPids.has(p[1]));
      expect(parent, JSON.stringify(top.Processes.slice(0, 5))).toBeDefined();
      process.kill(Number(parent?.[0]), "SIGUSR1");
      const r = await pending;
      await polling;
      const match = /blocked (\d+) (\d+)/.exec(r.stdout);
      expect(match, `${r.stdout}\n${r.stderr}`).not.toBeNull();
      expect(Number(match?.[1])).toBeLessThan(PIDS_LIMIT);
      expect(r.stdout).toContain("released");
      expect(health.length).toBeGreaterThan(0);
      expect(health.every((s) => s === 200)).toBe(true);
      // A recovers: its Jupyter answers through the gateway once the bomb is gone.
      const status = await until("A's Jupyter after the fork bomb", async () => {
        const res = await fetch(`${gw.base}/user/${username}/api/status`, { headers: { cookie } });
        return res.status === 200 ? res : null;
      }, 20_000);
      expect(status.status).toBe(200);
    }, 240_000);

    it("OOM-kills a memory hog inside the container's limit and leaves the container and its Jupyter running", async () => {
      const hog = await inside(`python3 -c "x = bytearray(b'x') * (${MEMORY_MB * 2} * 1024 * 1024); print('allocated')"`);
      expect(hog.stdout).not.toContain("allocated");
      // SIGKILL from the kernel's OOM killer (137 through docker exec), or a MemoryError at best.
      expect(hog.code === 137 || /MemoryError/.test(hog.stderr), `exit ${hog.code}: ${hog.stderr}`).toBe(true);
      const events = await inside("cat /sys/fs/cgroup/memory.events 2>/dev/null || true");
      if (events.stdout.includes("oom_kill")) expect(Number(/oom_kill (\d+)/.exec(events.stdout)?.[1])).toBeGreaterThan(0);
      const after = await h.docker.getContainer(`aula-${username}`).inspect();
      expect(after.State.Running).toBe(true);
      const res = await fetch(`${gw.base}/user/${username}/api/status`, { headers: { cookie } });
      expect(res.status).toBe(200);
      expect((await api.app.inject({ method: "GET", url: "/api/v1/health" })).statusCode).toBe(200);
      // Another student's server (started during the fork bomb) never noticed.
      if (otherStudent) {
        const b = await fetch(`${gw.base}/user/${otherStudent.username}/api/status`, { headers: { cookie: otherStudent.cookie } });
        expect(b.status).toBe(200);
      }
    }, 60_000);
  });
});
