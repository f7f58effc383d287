import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./test-database";

// Prisma's migrate engine cannot run here, so migrations are hand-written SQL. This test is the
// guard: the migrated database must be exactly what schema.prisma (and so the generated client)
// describes — every model a table, every field a column of the right type and nullability, every
// enum value, unique and index present, and nothing extra.

interface Field {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: string;
}
interface Model {
  name: string;
  fields: Field[];
  blockAttributes: string[];
}

const schemaPath = fileURLToPath(new URL("../../../prisma/schema.prisma", import.meta.url));

function parseSchema(source: string) {
  const models = new Map<string, Model>();
  const enums = new Map<string, string[]>();
  const blocks = source.replace(/\/\/.*$/gm, "").matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm);
  for (const [, kind, name, body] of blocks) {
    const lines = body!.split("\n").map((l) => l.trim()).filter(Boolean);
    if (kind === "enum") {
      enums.set(name!, lines);
      continue;
    }
    const model: Model = { name: name!, fields: [], blockAttributes: [] };
    for (const line of lines) {
      if (line.startsWith("@@")) {
        model.blockAttributes.push(line);
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (m) model.fields.push({ name: m[1]!, type: m[2]!, list: !!m[3], optional: !!m[4], attributes: m[5] ?? "" });
    }
    models.set(model.name, model);
  }
  return { models, enums };
}

const scalarSql: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Boolean: "boolean",
  DateTime: "timestamp(3) without time zone",
  Json: "jsonb",
};

function expectedSqlType(field: Field, enums: Map<string, string[]>): string {
  if (enums.has(field.type)) return `enum:${field.type}`;
  const varchar = /@db\.VarChar\((\d+)\)/.exec(field.attributes);
  if (varchar) return `character varying(${varchar[1]})`;
  if (field.attributes.includes("@db.Uuid")) return "uuid";
  const sql = scalarSql[field.type];
  if (!sql) throw new Error(`schema-agreement test does not know Prisma type ${field.type}`);
  return sql;
}

describe("the migrated database and schema.prisma", () => {
  let t: TestDatabase;
  let client: pg.Client;
  let schema: ReturnType<typeof parseSchema>;

  beforeAll(async () => {
    t = await createTestDatabase();
    client = new pg.Client({ connectionString: t.url });
    await client.connect();
    schema = parseSchema(await readFile(schemaPath, "utf8"));
  });
  afterAll(async () => {
    await client?.end();
    await t?.drop();
  });

  it("parses the same models and fields as the generated client's data model", () => {
    // The generated client carries its runtime data model; our parser must agree with it.
    const runtime = (t.db as unknown as { _runtimeDataModel: { models: Record<string, { fields: { name: string; kind: string; type: string }[] }> } })._runtimeDataModel;
    expect(Object.keys(runtime.models).sort()).toEqual([...schema.models.keys()].sort());
    for (const [name, model] of Object.entries(runtime.models)) {
      const parsed = schema.models.get(name)!;
      expect(parsed.fields.map((f) => `${f.name}:${f.type}`).sort(), name).toEqual(model.fields.map((f) => `${f.name}:${f.type}`).sort());
    }
  });

  it("has a table for every model and no table without one", async () => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...schema.models.keys()].sort());
  });

  it("has every scalar field as a column of the right type and nullability, and no extra column", async () => {
    const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string; data_type: string; udt_name: string; type: string }>(
      `SELECT c.table_name, c.column_name, c.is_nullable, c.data_type, c.udt_name,
              format_type(a.atttypid, a.atttypmod) AS type
         FROM information_schema.columns c
         JOIN pg_attribute a ON a.attrelid = format('%I', c.table_name)::regclass AND a.attname = c.column_name
        WHERE c.table_schema = 'public' AND c.table_name <> '_prisma_migrations'`,
    );
    const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    const expected = new Set<string>();
    for (const model of schema.models.values()) {
      for (const field of model.fields) {
        if (schema.models.has(field.type)) continue; // relation field: no column
        const key = `${model.name}.${field.name}`;
        expected.add(key);
        const column = actual.get(key);
        expect(column, `column ${key}`).toBeDefined();
        const sqlType = expectedSqlType(field, schema.enums);
        const actualType = column!.data_type === "USER-DEFINED" ? `enum:${column!.udt_name}` : column!.type;
        expect(actualType, `type of ${key}`).toBe(sqlType);
        expect(column!.is_nullable === "YES", `nullability of ${key}`).toBe(field.optional);
      }
    }
    expect([...actual.keys()].filter((k) => !expected.has(k))).toEqual([]);
  });

  it("has every enum with exactly the schema's values", async () => {
    const { rows } = await client.query<{ name: string; value: string }>(
      `SELECT t.typname AS name, e.enumlabel AS value FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder`,
    );
    const actual = new Map<string, string[]>();
    for (const r of rows) actual.set(r.name, [...(actual.get(r.name) ?? []), r.value]);
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(schema.enums));
  });

  it("has the unique constraints and indexes the schema declares, under Prisma's names", async () => {
    const { rows } = await client.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    const indexes = new Map(rows.map((r) => [r.indexname, r.indexdef]));
    for (const model of schema.models.values()) {
      for (const field of model.fields) {
        if (/@unique\b/.test(field.attributes)) {
          expect(indexes.get(`${model.name}_${field.name}_key`), `${model.name}.${field.name} @unique`).toMatch(/UNIQUE/);
        }
      }
      for (const attr of model.blockAttributes) {
        const m = /^@@(unique|index)\(\[([^\]]+)\]/.exec(attr);
        if (!m) continue;
        const cols = m[2]!.split(",").map((c) => c.trim());
        const name = `${model.name}_${cols.join("_")}_${m[1] === "unique" ? "key" : "idx"}`;
        expect(indexes.get(name), `${model.name} ${attr}`).toBeDefined();
        if (m[1] === "unique") expect(indexes.get(name)).toMatch(/UNIQUE/);
      }
    }
  });

  it("records every migration in Prisma's _prisma_migrations table", async () => {
    const { rows } = await client.query<{ migration_name: string; finished_at: Date | null }>(`SELECT migration_name, finished_at FROM "_prisma_migrations"`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });
});
