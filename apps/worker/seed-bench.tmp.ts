import { mkdir, mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { materialsDir } from "@aula/domain";
import { seedWorkspace } from "/work/main/apps/worker/src/servers/seed-workspace";
import { createLogger } from "/work/main/apps/worker/src/log";
const docker = new Docker();
const image = process.argv[2]!;
const dataDir = await mkdtemp(path.join(os.tmpdir(), "seed-bench-"));
const dir = materialsDir(dataDir, "bench", 3, "2-practicas");
await mkdir(path.join(dir, "nb"), { recursive: true });
for (let i = 0; i < Number(process.argv[3] ?? 20); i++) await writeFile(path.join(dir, "nb", `ex${i}.ipynb`), "x".repeat(20_000));
const c = await docker.createContainer({ Image: image, name: "aula-seed-bench", User: "1000:1000", HostConfig: { Mounts: [{ Type: "volume", Source: "aula-seed-bench-vol", Target: "/bootcamp" }] } });
await c.start();
const log = createLogger("silent");
for (const label of ["first start", "second start (all present)"]) {
  const r = await seedWorkspace({ docker, containerId: c.id, dataDir, course: "bench", week: 3, log });
  console.log(label, r);
}
await c.remove({ force: true });
await docker.getVolume("aula-seed-bench-vol").remove();
await rm(dataDir, { recursive: true, force: true });
