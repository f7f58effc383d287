import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import { createCourseTestApp, type CourseTestApp } from "../courses/support";
import { createAccount, signIn, type Signed } from "../support/test-app";

// Issue #7, "Bad input": a bounded fuzz pass over every route of the OpenAPI document, as an
// admin (cookie + CSRF), with random and boundary values. Never a 500; a rejected request (4xx)
// never changes a row. The seed is fixed (AULA_FUZZ_SEED overrides it) so a failure reproduces.

const SEED = Number(process.env.AULA_FUZZ_SEED ?? 20261204);
const PER_OPERATION = Number(process.env.AULA_FUZZ_PER_OPERATION ?? 50);

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
}

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
}

// Routes the fuzzer leaves alone: signing out would end the fuzzer's own session, health
// legitimately answers 503 when a dependency is down, and the GPU board is an endless
// server-sent event stream (inject would wait for its end forever).
const SKIP = new Set(["post /api/v1/auth/logout", "get /api/v1/health", "get /api/v1/gpus/stream"]);

// Columns that change on every authenticated request, by design (session and token "last seen").
const VOLATILE = ["lastSeenAt", "lastUsedAt"];

const STRINGS = [
  "",
  " ",
  "a",
  "x".repeat(300),
  "y".repeat(70_000),
  "ünïcødé-ßtraße",
  "名前",
  "😀🔥",
  "\u0000",
  "a\u0000b",
  "\u0007\b\t\n\r\u001b[31m",
  "\u202e\u200b\ufeff",
  "\ud800",
  "../../etc/passwd",
  "..%2f..%2f",
  "%00",
  "'; DROP TABLE \"User\"; --",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "null",
  "true",
  "-1",
  "1e309",
  "NaN",
  "2026-13-45T25:61:61Z",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
];
const NUMBERS = [0, -1, 1, -0, 0.5, 1e-300, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];

describe("fuzzing every API route", () => {
  let t: CourseTestApp;
  let admin: Signed;
  let operations: Operation[];
  const valid: string[] = [];
  let checksumSql: string;

  async function checksum(): Promise<string> {
    const rows = await t.db.$queryRawUnsafe<{ sum: string }[]>(checksumSql);
    return rows[0]?.sum ?? "";
  }

  beforeAll(async () => {
    t = await createCourseTestApp();
    await createAccount(t.db, "root", "admin");
    admin = await signIn(t.app, "root");
    // Real things for path parameters to hit now and then, so the fuzzer also gets past the 404s.
    const victim = await createAccount(t.db, "victim", "student");
    const environment = await createPublishedEnvironment(t.db, { name: "fuzzenv" });
    const course = await createCourseWithWeeks(t.db, { environmentId: environment.id, slug: "fuzz-course" });
    await enrollTestUser(t.db, { courseId: course.id, userId: victim.id });
    const token = await t.app.inject({ method: "POST", url: "/api/v1/users/victim/tokens", headers: admin.headers, payload: { name: "fuzz" } });
    const tokenId = token.statusCode < 300 ? (token.json<{ id?: string; token?: { id?: string } }>().id ?? token.json<{ token?: { id?: string } }>().token?.id) : undefined;
    valid.push("victim", "fuzz-course", "fuzzenv", "1", course.id, victim.id, environment.id, ...(tokenId ? [tokenId] : []));

    const doc = (await t.app.inject({ method: "GET", url: "/api/v1/docs/json" })).json<{
      paths: Record<string, Record<string, { parameters?: { in: string; name: string; schema?: JsonSchema }[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
    }>();
    operations = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (SKIP.has(`${method} ${path}`)) continue;
        const params = op.parameters ?? [];
        operations.push({
          method,
          path,
          pathParams: params.filter((p) => p.in === "path").map((p) => p.name),
          query: params.filter((p) => p.in === "query").map((p) => ({ name: p.name, schema: p.schema ?? {} })),
          body: op.requestBody?.content?.["application/json"]?.schema ?? (op.requestBody ? {} : null),
        });
      }
    }

    const tables = await t.db.$queryRawUnsafe<{ table_name: string }[]>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name",
    );
    const volatile = VOLATILE.map((c) => ` - '${c}'`).join("");
    checksumSql = `SELECT md5(string_agg(s, '|' ORDER BY n)) AS sum FROM (${tables
      .map(({ table_name: name }) => `SELECT '${name}' AS n, '${name}:' || count(*) || ':' || coalesce(md5(string_agg((to_jsonb(t)${volatile})::text, ',' ORDER BY (to_jsonb(t)${volatile})::text)), '') AS s FROM "${name}" t`)
      .join(" UNION ALL ")}) x`;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it("reads the route list from the OpenAPI document", () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(valid.length).toBeGreaterThan(5);
  });

  it("notices a changed row in its table checksum (so the check below means something)", async () => {
    const before = await checksum();
    await t.db.user.update({ where: { username: "victim" }, data: { displayName: "changed by the checksum check" } });
    expect(await checksum()).not.toBe(before);
  });

  it("refuses a NUL in a path parameter, a query or a JSON body with 400 validation_failed", async () => {
    const before = await checksum();
    for (const request of [
      { method: "GET" as const, url: "/api/v1/users/a%00b" },
      { method: "DELETE" as const, url: "/api/v1/users/%00/server" },
      { method: "GET" as const, url: "/api/v1/users?%00=x" },
      { method: "POST" as const, url: "/api/v1/users", payload: { username: "nul\u0000user", displayName: "x", role: "student", password: "correct horse battery" } },
      { method: "PATCH" as const, url: "/api/v1/users/victim", payload: { displayName: "a\u0000b" } },
    ]) {
      const response = await t.app.inject({ ...request, headers: admin.headers });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe("validation_failed");
    }
    expect(await checksum()).toBe(before);
  });

  it("answers an undecodable or over-long path segment with the error envelope", async () => {
    for (const url of ["/api/v1/users/%ED%A0%80", "/api/v1/users/%E0%A4%A", `/api/v1/users/${"x".repeat(300)}`]) {
      const response = await t.app.inject({ method: "GET", url, headers: admin.headers });
      expect(response.statusCode, url).toBe(400);
      const body = response.json<{ error: { code: string }; requestId: string }>();
      expect(body.error.code).toBe("validation_failed");
      expect(typeof body.requestId).toBe("string");
    }
  });

  it(`never answers 500 and never changes a row on a rejected request (seed ${SEED})`, async () => {
    const random = rng(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const chance = (p: number) => random() < p;

    function fuzzString(): string {
      if (chance(0.15)) {
        const len = Math.floor(random() * 40);
        let s = "";
        for (let i = 0; i < len; i++) s += String.fromCodePoint(Math.floor(random() * (chance(0.8) ? 0x80 : 0x3000)));
        return s;
      }
      return pick(STRINGS);
    }

    function wrongValue(depth: number): unknown {
      switch (Math.floor(random() * 8)) {
        case 0:
          return fuzzString();
        case 1:
          return pick(NUMBERS);
        case 2:
          return chance(0.5);
        case 3:
          return null;
        case 4:
          return depth > 2 ? [] : [wrongValue(depth + 1), wrongValue(depth + 1)];
        case 5:
          return depth > 2 ? {} : { [fuzzString()]: wrongValue(depth + 1), __proto__x: 1 };
        case 6:
          return Array.from({ length: 2000 }, () => 1);
        default:
          return undefined;
      }
    }

    function valueFor(schema: JsonSchema, depth: number): unknown {
      if (chance(0.3)) return wrongValue(depth);
      const variants = schema.anyOf ?? schema.oneOf;
      if (variants?.length) return valueFor(pick(variants), depth);
      if (schema.enum?.length) return chance(0.8) ? pick(schema.enum) : fuzzString();
      const type = Array.isArray(schema.type) ? pick(schema.type) : schema.type;
      switch (type) {
        case "string": {
          if (chance(0.3)) return pick(valid);
          if (schema.maxLength !== undefined && chance(0.3)) return "z".repeat(schema.maxLength + 1);
          if (schema.minLength !== undefined && chance(0.2)) return "z".repeat(Math.max(0, schema.minLength - 1));
          return fuzzString();
        }
        case "integer":
        case "number": {
          if (schema.maximum !== undefined && chance(0.3)) return schema.maximum + 1;
          if (schema.minimum !== undefined && chance(0.3)) return schema.minimum - 1;
          return pick(NUMBERS);
        }
        case "boolean":
          return chance(0.5);
        case "array":
          return depth > 3 ? [] : Array.from({ length: Math.floor(random() * 4) }, () => valueFor(schema.items ?? {}, depth + 1));
        case "object":
          return objectFor(schema, depth + 1);
        default:
          return wrongValue(depth);
      }
    }

    function objectFor(schema: JsonSchema, depth: number): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        if (chance(0.2)) continue; // missing field
        const v = depth > 4 ? null : valueFor(prop, depth);
        if (v !== undefined) out[name] = v;
      }
      if (chance(0.2)) out[fuzzString()] = wrongValue(depth); // extra field
      return out;
    }

    function bodyFor(op: Operation): { payload?: string; contentType?: string } {
      if (!op.body && chance(0.8)) return {};
      const roll = random();
      if (roll < 0.08) return { payload: pick(['{"a":', "[", "nul", "\u0000", '{"a":1}}', "{}".repeat(5000)]), contentType: "application/json" };
      if (roll < 0.14) return { payload: fuzzString(), contentType: pick(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/csv"]) };
      if (roll < 0.24) return { payload: JSON.stringify(wrongValue(0) ?? null), contentType: "application/json" };
      return { payload: JSON.stringify(objectFor(op.body ?? {}, 0)), contentType: "application/json" };
    }

    function encodeSegment(value: string): string {
      try {
        return encodeURIComponent(value) || "%20";
      } catch {
        return "%ED%A0%80"; // a lone surrogate: send the invalid UTF-8 bytes themselves
      }
    }

    function urlFor(op: Operation): string {
      let url = op.path;
      for (const name of op.pathParams) url = url.replace(`{${name}}`, encodeSegment(chance(0.4) ? pick(valid) : fuzzString()));
      const query = new URLSearchParams();
      for (const q of op.query) {
        if (chance(0.4)) continue;
        const v = valueFor(q.schema, 0);
        query.append(q.name, typeof v === "string" ? v.slice(0, 3000) : JSON.stringify(v ?? null) ?? "");
      }
      if (chance(0.1)) query.append(fuzzString().slice(0, 50) || "x", fuzzString().slice(0, 50));
      const qs = query.toString();
      return qs ? `${url}?${qs}` : url;
    }

    const failures: string[] = [];
    let before = await checksum();
    let requests = 0;
    const byStatus = new Map<number, number>();
    for (const op of operations) {
      const opStarted = Date.now();
      for (let i = 0; i < PER_OPERATION; i++) {
        const url = urlFor(op);
        const { payload, contentType } = bodyFor(op);
        if (process.env.AULA_FUZZ_DEBUG) console.log(`> ${op.method} ${url.slice(0, 150)} ${(payload ?? "").slice(0, 150)}`);
        const headers: Record<string, string> = { ...admin.headers };
        if (contentType) headers["content-type"] = contentType;
        let response: LightMyRequestResponse;
        try {
          response = await t.app.inject({ method: op.method.toUpperCase() as "GET", url, headers, ...(payload !== undefined ? { payload } : {}) });
        } catch (err) {
          failures.push(`${op.method.toUpperCase()} ${url.slice(0, 200)}: inject threw ${String(err)}`);
          continue;
        }
        requests++;
        byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
        const label = `${op.method.toUpperCase()} ${url.slice(0, 200)} body=${(payload ?? "").slice(0, 200)} -> ${response.statusCode}`;
        const after = await checksum();
        if (response.statusCode >= 500) failures.push(`${label}: ${response.body.slice(0, 300)}`);
        else if (response.statusCode >= 400) {
          if (after !== before) failures.push(`${label}: a rejected request changed rows`);
          const body = response.json<{ error?: { code?: unknown } }>();
          if (typeof body.error?.code !== "string") failures.push(`${label}: no error envelope: ${response.body.slice(0, 200)}`);
        }
        before = after;
        // A request that succeeded may have ended the admin's session (a password change):
        // sign in again so the pass goes on as an admin.
        if (response.statusCode === 401) {
          const me = await t.app.inject({ method: "GET", url: "/api/v1/me", headers: admin.headers });
          if (me.statusCode === 401) {
            admin = await signIn(t.app, "root");
            before = await checksum();
          }
        }
      }
      if (process.env.AULA_FUZZ_DEBUG) console.log(`${op.method} ${op.path}: ${Date.now() - opStarted} ms`);
    }
    expect(failures, failures.slice(0, 20).join("\n")).toEqual([]);
    expect(requests).toBeGreaterThan(operations.length * PER_OPERATION * 0.9);
    // Not everything was refused: the fuzzer reached handlers, not only the validators.
    const ok = [...byStatus].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    expect(ok).toBeGreaterThan(0);
  }, 120_000);
});
