import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

// One file to run with `node dist/server.js`. Only the api's own npm dependencies can be
// resolved from apps/api at run time (pnpm links nothing else here), so they stay external and
// everything else is bundled: workspace packages (TypeScript source) and what they depend on
// (Prisma runtime and pg via @aula/db, bullmq via @aula/queue, …).
const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> };
const own = Object.keys(pkg.dependencies).filter((name) => !name.startsWith("@aula/"));
const escape = (name: string) => name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const notOwn = new RegExp(`^(?!(?:${own.map(escape).join("|")})(?:/|$))`);

export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  clean: true,
  splitting: false,
  noExternal: [notOwn],
  // pg requires pg-native only when asked for it, which we never do.
  external: ["pg-native"],
  // Bundled CommonJS (pg) calls require(); ESM output needs a real one.
  banner: { js: 'import { createRequire as __aulaCreateRequire } from "node:module"; const require = __aulaCreateRequire(import.meta.url);' },
});
