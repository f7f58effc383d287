import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { ensureStudentNetwork, StudentNetworkError, STUDENT_BRIDGE, STUDENT_NETWORK } from "./student-network";

// Networks of their own (unique name and interface) for the create and refuse cases: the shared
// student network may be in use by a running deployment, so tests only ever ensure it.

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const created: string[] = [];

afterAll(async () => {
  for (const name of created) await docker.getNetwork(name).remove().catch(() => {});
});

function unique() {
  const id = randomBytes(4).toString("hex");
  created.push(`aula-test-net-${id}`);
  return { name: `aula-test-net-${id}`, bridge: `aulat${id}` };
}

describe("the student network", () => {
  it("is a bridge on its fixed interface with inter-container traffic off, and ensuring it again changes nothing", async () => {
    const first = await ensureStudentNetwork(docker);
    const again = await ensureStudentNetwork(docker);
    expect(again.id).toBe(first.id);
    expect(again.created).toBe(false);
    const info = (await docker.getNetwork(STUDENT_NETWORK).inspect()) as { Driver: string; Internal: boolean; Options: Record<string, string> };
    expect(info.Driver).toBe("bridge");
    expect(info.Options["com.docker.network.bridge.enable_icc"]).toBe("false");
    expect(info.Options["com.docker.network.bridge.name"]).toBe(STUDENT_BRIDGE);
  });

  it("is made once when several processes ensure it at the same moment", async () => {
    const net = unique();
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureStudentNetwork(docker, net)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const same = await docker.listNetworks({ filters: { name: [net.name] } });
    expect(same.filter((n) => n.Name === net.name)).toHaveLength(1);
  });

  it("refuses a network of that name with inter-container traffic on, with a stable code", async () => {
    const net = unique();
    await docker.createNetwork({ Name: net.name, Driver: "bridge", Options: { "com.docker.network.bridge.name": net.bridge } });
    const error = await ensureStudentNetwork(docker, net).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudentNetworkError);
    expect(error).toMatchObject({ code: "student_network_misconfigured" });
  });
});
