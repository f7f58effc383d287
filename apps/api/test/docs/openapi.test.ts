import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, errorOf, type TestApp } from "../support/test-app";

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

afterAll(async () => {
  await t.close();
});

describe("OpenAPI and metrics", () => {
  it("lists every route with its methods in the OpenAPI JSON", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/docs/json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    const expected: [string, string][] = [
      ["/api/v1/auth/login", "post"],
      ["/api/v1/auth/logout", "post"],
      ["/api/v1/auth/password", "post"],
      ["/api/v1/me", "get"],
      ["/api/v1/users", "get"],
      ["/api/v1/users", "post"],
      ["/api/v1/users/{name}", "get"],
      ["/api/v1/users/{name}", "patch"],
      ["/api/v1/users/{name}/password", "post"],
      ["/api/v1/users/import", "post"],
      ["/api/v1/users/{name}/tokens", "post"],
      ["/api/v1/users/{name}/tokens", "get"],
      ["/api/v1/users/{name}/tokens/{id}", "delete"],
      ["/api/v1/audit", "get"],
      ["/api/v1/health", "get"],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(doc.paths["/api/v1/auth/login"]?.post?.requestBody).toBeDefined();
    expect(doc.paths["/metrics"]).toBeUndefined();
  });

  it("serves the docs UI", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/docs/" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/text\/html/);
  });

  it("exposes Prometheus metrics with request counts by route pattern", async () => {
    await t.app.inject({ method: "GET", url: "/api/v1/health" });
    const response = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/text\/plain/);
    expect(response.body).toContain("process_cpu_user_seconds_total");
    expect(response.body).toMatch(/aula_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/);
  });

  it("echoes the request id in a header and in error bodies", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/v1/nothing-here", headers: { "x-request-id": "gateway-req-12345" } });
    expect(response.headers["x-request-id"]).toBe("gateway-req-12345");
    expect(errorOf(response).requestId).toBe("gateway-req-12345");
  });
});
