import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import path from "node:path";
import type Dockerode from "dockerode";
import type { Db } from "@aula/db";
import { buildEnvironment, type RunImageBuildResult } from "../build-environment";
import { LABEL_ENVIRONMENT } from "../container-spec";
import { findEnvironmentsDir } from "../environments-dir";

/**
 * The newest aula-env/python image on this machine (docker lists the newest first), for tests
 * that spawn real servers; without one they fail saying how to build it.
 */
export function newestPythonImage(): string {
  const out = execFileSync("docker", ["images", "aula-env/python", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8", timeout: 30_000 });
  const newest = out.split("\n").map((l) => l.trim()).find((l) => l && !l.endsWith(":<none>"));
  if (!newest) throw new Error("No aula-env/python image on this machine: run ./aula env build python (./aula test does it first).");
  return newest;
}

/** name → content of every file in a .tar.gz (a collection archive, say). */
export async function readTarGz(gz: Buffer | NodeJS.ReadableStream): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: unknown) => chunks.push(c as Buffer));
    stream.on("end", () => {
      if (header.type === "file") files.set(header.name, Buffer.concat(chunks).toString("utf8"));
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
    const source = Buffer.isBuffer(gz) ? Readable.from([gz]) : gz;
    source.pipe(createGunzip()).on("error", reject).pipe(extract);
  });
  return files;
}

/**
 * Publishes the real `python` environment in the given database. Docker's cache makes this a
 * few seconds once the image was built on the machine (`./aula test` builds it before the
 * integration tests); on a clean machine the first call builds it (a minute or two).
 */
export async function ensurePublishedPython(db: Db, docker: Dockerode): Promise<RunImageBuildResult> {
  const environmentsDir = findEnvironmentsDir();
  if (!environmentsDir) throw new Error("docker/environments not found from the working directory");
  const result = await buildEnvironment({ db, docker, name: "python", environmentsDir, recipePreference: "offline" });
  if (result.status !== "SUCCEEDED" && result.status !== "UNCHANGED") {
    throw new Error(`the python environment did not build: ${result.error ?? result.status}\n${result.build.log.slice(-3000)}`);
  }
  return result;
}

export interface FixtureEnvironment {
  name: string;
  /** Extra lines after `FROM ${BASE_IMAGE}` in Dockerfile.offline. */
  steps?: string[];
  check?: string;
  files?: Record<string, string>;
  /** Defaults to the published python image, so the gate runs a real Jupyter in seconds. */
  base?: string;
}

/** Writes `<root>/<name>/` with a manifest and an offline recipe; small and cache-friendly. */
export async function writeFixtureEnvironment(root: string, fixture: FixtureEnvironment): Promise<string> {
  const dir = path.join(root, fixture.name);
  await mkdir(dir, { recursive: true });
  const manifest = {
    title: `Fixture ${fixture.name}`,
    stage: "Tests",
    weeks: "0",
    gpu: "none",
    gpuShare: 1,
    defaults: { cpus: 1, memoryMb: 1024, shmMb: 128 },
    targetSizeMb: 600,
    recipes: {
      online: { dockerfile: "Dockerfile", base: "python:3.11-slim-bookworm" },
      offline: { dockerfile: "Dockerfile.offline", base: fixture.base ?? "environment:python" },
    },
    check: { python: fixture.check ?? "print(open('/opt/aula-fixture/hello.txt').read())", timeoutS: 60 },
  };
  await writeFile(path.join(dir, "environment.json"), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, "Dockerfile"), "FROM python:3.11-slim-bookworm\n");
  await writeFile(
    path.join(dir, "Dockerfile.offline"),
    // The LABEL right after FROM marks every intermediate image too, so a failed build's
    // leftovers are found by removeEnvironmentImages.
    ["ARG BASE_IMAGE", "FROM ${BASE_IMAGE}", `LABEL ${LABEL_ENVIRONMENT}=${fixture.name}`, "COPY hello.txt /opt/aula-fixture/hello.txt", ...(fixture.steps ?? [])].join("\n") + "\n",
  );
  const files = { "hello.txt": "hello from the fixture\n", ...fixture.files };
  for (const [rel, text] of Object.entries(files)) await writeFile(path.join(dir, rel), text);
  return dir;
}

/** Removes every image and container labelled with this environment (fixture cleanup). */
export async function removeEnvironmentImages(docker: Dockerode, name: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL_ENVIRONMENT}=${name}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => {});
  const images = await docker.listImages({ filters: { label: [`${LABEL_ENVIRONMENT}=${name}`] } });
  for (const img of images) await docker.getImage(img.Id).remove({ force: true }).catch(() => {});
}
