import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Dockerode from "dockerode";
import { followProgress, imageExists } from "./docker-util";

export const OFFLINE_BASE_IMAGE = "aula-base/debian:bookworm";

export interface EnsureOfflineBaseOptions {
  docker: Dockerode;
  /** Defaults to aula-base/debian:bookworm. */
  tag?: string;
  suite?: string;
  mirror?: string;
  /** Where debootstrap writes the root filesystem; a temporary folder, removed afterwards. */
  workDir?: string;
  /** Rebuild even when the tag exists. */
  force?: boolean;
  onProgress?: (line: string) => void;
  /** The debootstrap executable (tests point it elsewhere). */
  debootstrap?: string;
}

export interface OfflineBaseResult {
  tag: string;
  imageId: string;
  /** False when the tag was already present and nothing was done. */
  created: boolean;
}

export class OfflineBaseError extends Error {
  override name = "OfflineBaseError";
}

// Files written into the root filesystem before import. They make every image built on this
// base slim by default, the way Docker's official debian images do it: dpkg skips docs, man
// pages and locales at unpack time (no layer ever holds them), apt installs no recommends and
// keeps no package caches. Copyright files stay for licence compliance (a few MB).
const SLIM_FILES: Record<string, string> = {
  "etc/dpkg/dpkg.cfg.d/aula-slim": [
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/info/*",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/lintian/*",
    "path-exclude=/usr/share/linda/*",
    "",
  ].join("\n"),
  "etc/apt/apt.conf.d/aula-slim": [
    'APT::Install-Recommends "false";',
    'APT::Install-Suggests "false";',
    'Acquire::Languages "none";',
    'Dir::Cache::pkgcache "";',
    'Dir::Cache::srcpkgcache "";',
    "",
  ].join("\n"),
};

function sourcesList(mirror: string, suite: string): string {
  // Security and point-release updates come from the same mirror host (deb.debian.org serves
  // debian-security too), so student images get fixes on every rebuild.
  const security = mirror.replace(/\/debian\/?$/, "/debian-security");
  return [`deb ${mirror} ${suite} main`, `deb ${mirror} ${suite}-updates main`, `deb ${security} ${suite}-security main`, ""].join("\n");
}

function run(cmd: string, args: string[], onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const take = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      tail = (tail + text).slice(-2000);
      for (const line of text.split(/\r?\n/)) if (line.trim()) onLine(line);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => reject(new OfflineBaseError(`${cmd} could not start: ${error.message}. Install it with \`apt-get install -y ${cmd}\`.`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new OfflineBaseError(`${cmd} exited with ${code}:\n${tail}`))));
  });
}

/**
 * Makes the base image of the offline recipes when it is missing: debootstrap a minimal
 * Debian, strip what no image needs, import the tree as one layer. About 30 s and 75 MB.
 */
export async function ensureOfflineBase(options: EnsureOfflineBaseOptions): Promise<OfflineBaseResult> {
  const { docker, tag = OFFLINE_BASE_IMAGE, suite = "bookworm", mirror = "http://deb.debian.org/debian", force = false, debootstrap = "debootstrap" } = options;
  const report = options.onProgress ?? (() => {});
  if (!force) {
    const existing = await imageExists(docker, tag);
    if (existing) {
      report(`${tag} is already present (${existing.Id.slice(7, 19)}); nothing to do`);
      return { tag, imageId: existing.Id, created: false };
    }
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new OfflineBaseError("debootstrap needs root to create the offline base image; run this as root (./aula does).");
  }

  const work = await mkdtemp(path.join(options.workDir ?? tmpdir(), "aula-base-"));
  const rootfs = path.join(work, "rootfs");
  try {
    report(`debootstrap --variant=minbase ${suite} → ${rootfs} (from ${mirror})`);
    await run(debootstrap, ["--variant=minbase", suite, rootfs, mirror], (line) => report(`debootstrap: ${line}`));

    report("removing package caches, docs, man pages, locales and device nodes");
    const clean = [
      "var/cache/apt/archives",
      "var/lib/apt/lists",
      "usr/share/man",
      "usr/share/info",
      "usr/share/locale",
      // The runtime provides /dev; device nodes in a layer only get in the way of COPY --from.
      "dev",
    ];
    for (const rel of clean) {
      const dir = path.join(rootfs, rel);
      for (const entry of await readdir(dir).catch(() => [] as string[])) {
        if (entry === "partial" || entry === "lock") continue;
        await rm(path.join(dir, entry), { recursive: true, force: true });
      }
    }
    await run("find", [path.join(rootfs, "var/cache/apt"), "-maxdepth", "1", "-name", "*.bin", "-delete"], () => {});
    await run("find", [path.join(rootfs, "var/log"), "-type", "f", "-delete"], () => {});
    await run("find", [path.join(rootfs, "usr/share/doc"), "-mindepth", "1", "-not", "-name", "copyright", "-not", "-type", "d", "-delete"], () => {});
    for (const [rel, content] of Object.entries(SLIM_FILES)) await writeFile(path.join(rootfs, rel), content);
    await writeFile(path.join(rootfs, "etc/apt/sources.list"), sourcesList(mirror, suite));

    report(`importing the root filesystem as ${tag}`);
    const [repo, version = "latest"] = splitTag(tag);
    const tarProc = spawn("tar", ["--numeric-owner", "-C", rootfs, "-c", "."], { stdio: ["ignore", "pipe", "pipe"] });
    let tarErr = "";
    tarProc.stderr.on("data", (c: Buffer) => (tarErr += c.toString()));
    const tarDone = new Promise<void>((resolve, reject) => {
      tarProc.on("error", reject);
      tarProc.on("close", (code) => (code === 0 ? resolve() : reject(new OfflineBaseError(`tar exited with ${code}: ${tarErr.slice(-500)}`))));
    });
    const stream = await docker.importImage(tarProc.stdout, {
      repo,
      tag: version,
      message: `debootstrap --variant=minbase ${suite} ${mirror}`,
      changes: ["ENV LANG=C.UTF-8", 'CMD ["/bin/bash"]', `LABEL aula.base=debian-${suite}`],
    });
    await followProgress(docker, stream, (event) => {
      if (event.status) report(`import: ${event.status}`);
    });
    await tarDone;
    const image = await imageExists(docker, tag);
    if (!image) throw new OfflineBaseError(`the import finished but ${tag} is not present`);
    report(`${tag} ready: ${image.Id.slice(7, 19)}, ${Math.round(image.Size / 1e6)} MB`);
    return { tag, imageId: image.Id, created: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export function splitTag(ref: string): [string, string | undefined] {
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) return [ref.slice(0, colon), ref.slice(colon + 1)];
  return [ref, undefined];
}
