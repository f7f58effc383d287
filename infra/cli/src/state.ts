import { mkdir, writeFile, readFile, chmod } from "node:fs/promises";
import path from "node:path";

/** Files under .aula/ that hold secrets are written 0600 and never printed twice. */
export async function writeSecretFile(root: string, name: string, content: string): Promise<string> {
  const dir = path.join(root, ".aula");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

export async function readStateFile(root: string, name: string): Promise<string | null> {
  try {
    return await readFile(path.join(root, ".aula", name), "utf8");
  } catch {
    return null;
  }
}
