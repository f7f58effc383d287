import { defineConfig } from "vitest/config";

// The fault suite (faults/): each file starts built apps on the 17000s ports and breaks a real
// dependency (a worker, a private Redis or PostgreSQL, the api and gateway, the Docker daemon),
// so files run one at a time. `./aula test` runs it after the other suites; `./aula test --faults`
// runs only it.
export default defineConfig({
  test: {
    include: ["faults/src/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.next/**"],
    globalSetup: ["tooling/test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    fileParallelism: false,
    maxWorkers: 1,
    reporters: ["default"],
  },
});
