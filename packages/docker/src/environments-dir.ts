import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Finds `docker/environments` by walking up from `start` (the process's working directory, then
 * this file's folder). Apps are bundled, so a path relative to the source file alone would break.
 */
export function findEnvironmentsDir(start: string = process.cwd()): string | null {
  for (const origin of [start, path.dirname(fileURLToPath(import.meta.url))]) {
    let dir = path.resolve(origin);
    for (;;) {
      const candidate = path.join(dir, "docker", "environments");
      if (existsSync(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}
