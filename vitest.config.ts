import { defineConfig } from "vitest/config";

// One run for every package and app. Integration tests talk to the real PostgreSQL, Redis and
// Docker Engine that `./aula test` starts; tooling/test/global-setup.ts fails loudly without them.
export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "apps/*/test/**/*.test.ts", "infra/cli/src/**/*.test.ts", "bench/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**", "**/.next/**"],
    globalSetup: ["tooling/test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: more workers only queue on the CPU and the Docker daemon.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
