import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RoleName } from "@aula/contracts";
import { createAccount, createTestApp, signIn, type Signed, type TestApp } from "../support/test-app";

export interface CourseTestApp extends TestApp {
  dataDir: string;
  /** Signs in a new account of that role (username = name). */
  account(name: string, role?: RoleName): Promise<Signed>;
  /** Files left in the upload staging folder (must stay empty: nothing half-written). */
  incoming(): Promise<string[]>;
}

export async function createCourseTestApp(options: { materialMaxBytes?: number } = {}): Promise<CourseTestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "aula-api-data-"));
  const t = await createTestApp({ dataDir, ...(options.materialMaxBytes ? { materialMaxBytes: options.materialMaxBytes } : {}) });
  return {
    ...t,
    dataDir,
    async account(name, role = "student") {
      await createAccount(t.db, name, role);
      return signIn(t.app, name);
    },
    async incoming() {
      return readdir(path.join(dataDir, "materials", ".incoming")).catch(() => []);
    },
    async close() {
      await t.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
