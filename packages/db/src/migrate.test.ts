import { cp, mkdtemp, rm, writeFile, appendFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultMigrationsDir, runMigrations } from "./migrate";
import { createTestDatabase, type TestDatabase } from "./test-database";

describe("the migration runner", () => {
  let t: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), "aula-migrations-"));
    await cp(defaultMigrationsDir, dir, { recursive: true });
  });
  afterAll(async () => {
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("does nothing on a database that is already up to date", async () => {
    const result = await runMigrations({ url: t.url, migrationsDir: dir });
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied.length).toBeGreaterThan(0);
  });

  it("applies a new migration once, even when two runners race", async () => {
    await cp(path.join(dir, "20261204000000_init"), path.join(dir, "29990101000000_extra"), { recursive: true });
    await writeFile(path.join(dir, "29990101000000_extra", "migration.sql"), `CREATE TABLE "ExtraForTest" ("id" INTEGER PRIMARY KEY);`);
    const [a, b] = await Promise.all([runMigrations({ url: t.url, migrationsDir: dir }), runMigrations({ url: t.url, migrationsDir: dir })]);
    expect([...a.applied, ...b.applied]).toEqual(["29990101000000_extra"]);
  });

  it("refuses to continue when an applied migration's file was edited", async () => {
    await appendFile(path.join(dir, "29990101000000_extra", "migration.sql"), "\n-- edited later\n");
    await expect(runMigrations({ url: t.url, migrationsDir: dir })).rejects.toThrow(/changed after it was applied/);
  });

  it("rolls back a failing migration completely and records nothing", async () => {
    await cp(path.join(dir, "29990101000000_extra"), path.join(dir, "29990102000000_broken"), { recursive: true });
    await writeFile(path.join(dir, "29990101000000_extra", "migration.sql"), `CREATE TABLE "ExtraForTest" ("id" INTEGER PRIMARY KEY);`);
    await writeFile(path.join(dir, "29990102000000_broken", "migration.sql"), `CREATE TABLE "HalfDone" ("id" INTEGER); SELECT no_such_function();`);
    await expect(runMigrations({ url: t.url, migrationsDir: dir })).rejects.toThrow(/29990102000000_broken failed/);
    const tables = await t.db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'HalfDone'`;
    expect(Number(tables[0]!.n)).toBe(0);
  });
});
