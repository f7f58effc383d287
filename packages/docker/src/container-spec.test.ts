import { describe, expect, it } from "vitest";
import { buildContainerSpec, ContainerSpecError, type ContainerSpecOptions } from "./container-spec";

const base: ContainerSpecOptions = {
  username: "alice",
  serverId: "3f1c2a9e-0000-4000-8000-000000000001",
  environment: "pytorch",
  image: "aula-env/pytorch:0123456789ab",
  token: "t0ken-t0ken-t0ken-t0ken",
  cpus: 4,
  memoryMb: 8192,
  shmMb: 2048,
};

describe("buildContainerSpec", () => {
  it("names, labels and configures the container the way the gateway expects", () => {
    const spec = buildContainerSpec(base);
    expect(spec.name).toBe("aula-alice");
    expect(spec.Image).toBe(base.image);
    expect(spec.Labels).toEqual({ "aula.server": base.serverId, "aula.user": "alice", "aula.environment": "pytorch" });
    expect(spec.Env).toEqual(expect.arrayContaining([`JUPYTER_TOKEN=${base.token}`, "AULA_BASE_URL=/user/alice/"]));
    expect(spec.User).toBe("1000:1000");
    expect(spec.WorkingDir).toBe("/bootcamp");
    expect(spec.ExposedPorts).toEqual({ "8888/tcp": {} });
    expect(spec.HostConfig?.PortBindings).toEqual({ "8888/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
  });

  it("applies the resource limits and the hardening every student server gets", () => {
    const hc = buildContainerSpec({ ...base, cpus: 1.5 }).HostConfig!;
    expect(hc.Memory).toBe(8192 * 1024 * 1024);
    expect(hc.MemorySwap).toBe(hc.Memory);
    expect(hc.NanoCpus).toBe(1_500_000_000);
    expect(hc.ShmSize).toBe(2048 * 1024 * 1024);
    expect(hc.PidsLimit).toBe(512);
    expect(hc.CapDrop).toEqual(["ALL"]);
    expect(hc.CapAdd).toBeUndefined();
    expect(hc.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(hc.Privileged).toBe(false);
    expect(hc.NetworkMode).toBe("aula-students");
    expect(hc.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "2" } });
    expect(hc.Binds).toBeUndefined();
    expect(JSON.stringify(hc)).not.toContain("docker.sock");
  });

  it("binds the student's volumes to the directories of their disk when one is given", () => {
    const volumeDirs = { home: "/var/lib/aula/disks/alice/home", checkpoints: "/var/lib/aula/disks/alice/checkpoints", cache: "/var/lib/aula/disks/alice/cache" };
    const mounts = buildContainerSpec({ ...base, volumeDirs }).HostConfig!.Mounts ?? [];
    const byTarget = Object.fromEntries(mounts.map((m) => [m.Target, m]));
    expect(byTarget["/bootcamp"]?.VolumeOptions?.DriverConfig).toEqual({ Name: "local", Options: { type: "none", o: "bind", device: volumeDirs.home } });
    expect(byTarget["/bootcamp/checkpoints"]?.VolumeOptions?.DriverConfig?.Options).toMatchObject({ device: volumeDirs.checkpoints });
    expect(byTarget["/bootcamp/.cache"]?.VolumeOptions?.DriverConfig?.Options).toMatchObject({ device: volumeDirs.cache });
    expect(byTarget["/bootcamp"]).toMatchObject({ Type: "volume", Source: "aula-home-alice" });
    expect(buildContainerSpec(base).HostConfig!.Mounts?.[0]?.VolumeOptions?.DriverConfig).toEqual({ Name: "local", Options: {} });
    expect(() => buildContainerSpec({ ...base, volumeDirs: { ...volumeDirs, home: "relative/home" } })).toThrow(ContainerSpecError);
  });

  it("mounts the student's volumes read-write and materials read-only", () => {
    const hc = buildContainerSpec({
      ...base,
      readOnlyMounts: [
        { source: "/var/lib/aula/materials/c1/w07/teoria", target: "/bootcamp/1-teoria" },
        { source: "aula-datasets", target: "/bootcamp/data", type: "volume" },
      ],
    }).HostConfig!;
    const byTarget = Object.fromEntries((hc.Mounts ?? []).map((m) => [m.Target, m]));
    expect(byTarget["/bootcamp"]).toMatchObject({ Type: "volume", Source: "aula-home-alice" });
    expect(byTarget["/bootcamp/checkpoints"]).toMatchObject({ Type: "volume", Source: "aula-checkpoints-alice" });
    expect(byTarget["/bootcamp/.cache"]).toMatchObject({ Type: "volume", Source: "aula-cache-alice" });
    expect(byTarget["/bootcamp"]?.ReadOnly).toBeFalsy();
    expect(byTarget["/bootcamp/1-teoria"]).toMatchObject({ Type: "bind", ReadOnly: true });
    expect(byTarget["/bootcamp/data"]).toMatchObject({ Type: "volume", Source: "aula-datasets", ReadOnly: true });
  });

  it("requests exactly the allocated GPUs by uuid and never by count", () => {
    const uuids = ["GPU-8a3f0c9e-1111-2222-3333-444455556666", "MIG-5b7e1d2c-aaaa-bbbb-cccc-ddddeeeeffff"];
    const spec = buildContainerSpec({ ...base, gpuUuids: uuids });
    expect(spec.HostConfig?.DeviceRequests).toEqual([{ Driver: "nvidia", DeviceIDs: uuids, Capabilities: [["gpu"]] }]);
    expect(spec.HostConfig?.DeviceRequests?.[0]).not.toHaveProperty("Count");
    expect(spec.Env).toContain(`NVIDIA_VISIBLE_DEVICES=${uuids.join(",")}`);
  });

  it("gives a CPU server no device request and hides every GPU from the NVIDIA runtime", () => {
    for (const gpuUuids of [undefined, []]) {
      const spec = buildContainerSpec({ ...base, gpuUuids });
      expect(spec.HostConfig?.DeviceRequests).toBeUndefined();
      expect(spec.Env).toContain("NVIDIA_VISIBLE_DEVICES=void");
    }
  });

  it("marks smoke-test containers and their volumes so they can be found and removed", () => {
    const spec = buildContainerSpec({ ...base, smoke: true, name: "aula-smoke-1", volumes: { home: "h", checkpoints: "c", cache: "k" } });
    expect(spec.name).toBe("aula-smoke-1");
    expect(spec.Labels?.["aula.smoke"]).toBe("1");
    for (const m of spec.HostConfig?.Mounts ?? []) expect(m.VolumeOptions?.Labels?.["aula.smoke"]).toBe("1");
  });

  it("refuses names, uuids and mount targets that could escape their place", () => {
    expect(() => buildContainerSpec({ ...base, username: "../root" })).toThrow(ContainerSpecError);
    expect(() => buildContainerSpec({ ...base, username: "Alice" })).toThrow(ContainerSpecError);
    expect(() => buildContainerSpec({ ...base, gpuUuids: ["all"] })).toThrow(ContainerSpecError);
    expect(() => buildContainerSpec({ ...base, readOnlyMounts: [{ source: "/etc", target: "/etc" }] })).toThrow(ContainerSpecError);
    expect(() => buildContainerSpec({ ...base, readOnlyMounts: [{ source: "/x", target: "/bootcamp/../etc" }] })).toThrow(ContainerSpecError);
    expect(() => buildContainerSpec({ ...base, token: "short" })).toThrow(ContainerSpecError);
  });
});
