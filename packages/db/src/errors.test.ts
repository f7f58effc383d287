import pg from "pg";
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, isUniqueViolation } from "./errors";

describe("isDatabaseUnavailable", () => {
  it("recognises a refused connection from the real pg driver", async () => {
    // Port 1 on loopback: nothing listens there.
    const client = new pg.Client({ connectionString: "postgresql://nobody@127.0.0.1:1/none", connectionTimeoutMillis: 2000 });
    const error = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it("recognises Prisma's and the adapter's shapes for an unreachable or restarting server", () => {
    expect(isDatabaseUnavailable({ code: "P1001", message: "Can't reach database server at 127.0.0.1:5432" })).toBe(true);
    expect(isDatabaseUnavailable({ code: "P2010", meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } } })).toBe(true);
    expect(isDatabaseUnavailable({ name: "DriverAdapterError", cause: { kind: "postgres", originalCode: "57P01" } })).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
  });

  it("leaves query errors alone", () => {
    const unique = { code: "P2002", meta: { driverAdapterError: { cause: { originalCode: "23505" } } } };
    expect(isUniqueViolation(unique)).toBe(true);
    expect(isDatabaseUnavailable(unique)).toBe(false);
    expect(isDatabaseUnavailable({ code: "P2025", message: "Record to update not found." })).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
