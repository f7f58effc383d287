import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type Db } from "./client";
import { runMigrations } from "./migrate";

// Test databases are clones of one migrated template: CREATE DATABASE … TEMPLATE takes ~100 ms,
// running every migration per test file would take seconds. Each test run names its own
// template (AULA_TEST_TEMPLATE, set by the global setup), so two runs on one PostgreSQL never
// drop each other's.
export const TEST_TEMPLATE_DB = "aula_test_template";
const templateName = () => process.env.AULA_TEST_TEMPLATE ?? TEST_TEMPLATE_DB;

function requireTestUrl(): string {
  const url = process.env.AULA_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      "AULA_TEST_DATABASE_URL (or DATABASE_URL) is not set: tests need a real PostgreSQL. Run them through `./aula test`, which starts PostgreSQL and sets it.",
    );
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DROP DATABASE … WITH (FORCE), which also ends connections a test left open. FORCE refuses
 * while an autovacuum worker is in the database (it belongs to no role this one may signal:
 * "must be a member of the role whose process is being terminated", seen in CI); the worker is
 * done in moments, so wait and try again.
 */
async function dropDatabase(url: string, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if (attempt >= 50 || !/pg_signal_backend|being accessed by other users/.test((error as Error).message)) throw error;
      await pause(100 + Math.random() * 100);
    }
  }
}

/** Recreates and migrates the template database. Called once per test run (vitest globalSetup). */
export async function prepareTestTemplate(): Promise<void> {
  const url = requireTestUrl();
  const name = templateName();
  await dropDatabase(url, name);
  await adminQuery(url, `CREATE DATABASE "${name}"`);
  await runMigrations({ url: withDatabase(url, name) });
}

/** Drops this run's template (global teardown). */
export async function dropTestTemplate(): Promise<void> {
  await dropDatabase(requireTestUrl(), templateName());
}

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the test's own; drop() removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const base = requireTestUrl();
  const name = `aula_test_${randomBytes(6).toString("hex")}`;
  // Two clones of the same template at the same instant can collide on the template's lock.
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(base, `CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`);
      break;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
      await pause(100 + Math.random() * 200);
    }
  }
  const url = withDatabase(base, name);
  const db = createDb({ url, max: 5 });
  let dropped = false;
  return {
    url,
    name,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.$disconnect();
      await dropDatabase(base, name);
    },
  };
}
