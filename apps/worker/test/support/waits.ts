import { execFileSync } from "node:child_process";

/** The newest published python environment image; tests need it and say how to get it. */
export function newestPythonImage(): string {
  const out = execFileSync("docker", ["images", "aula-env/python", "--format", "{{.Repository}}:{{.Tag}}"], { encoding: "utf8" }).trim();
  const tag = out.split("\n")[0];
  if (!tag) throw new Error("No aula-env/python image: run ./aula env build python (./aula test does it first).");
  return tag;
}

/** Polls `fn` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
