import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Real-browser tests, separate from the root run: they need the apps built and start a whole
// stack (gateway, api, web) per test file on fixed test ports, so files run one at a time.
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export default defineConfig({
  root: repoRoot,
  test: {
    include: ["e2e/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.next/**"],
    globalSetup: ["tooling/test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default"],
  },
});
