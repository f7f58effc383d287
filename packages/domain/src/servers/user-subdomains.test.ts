import { describe, expect, it } from "vitest";
import { classifyHost, safeServerPath, serverUrl, userOrigin, userSubdomains } from "./user-subdomains";

const local = userSubdomains("http://aula.localhost:18000", "aula.localhost");
if (local === null) throw new Error("subdomain settings expected");

describe("per-user subdomain settings", () => {
  it("are off when no user domain is set", () => {
    expect(userSubdomains("http://127.0.0.1:8000", "")).toBeNull();
    expect(userSubdomains("http://127.0.0.1:8000", undefined)).toBeNull();
    expect(serverUrl("ana", null)).toBe("/user/ana/");
  });

  it("take the public URL's scheme and port, and drop a default port", () => {
    expect(userOrigin(local, "ana")).toBe("http://ana.aula.localhost:18000");
    expect(serverUrl("ana", local)).toBe("http://ana.aula.localhost:18000/user/ana/");
    const https = userSubdomains("https://aula.example.org", "Users.Example.ORG");
    expect(https && serverUrl("ana", https)).toBe("https://ana.users.example.org/user/ana/");
  });

  it("refuse a portal whose own host would be a user's server", () => {
    expect(() => userSubdomains("https://www.aula.example:8443", "aula.example")).toThrow(/AULA_PUBLIC_URL's host www\.aula\.example is under AULA_USER_DOMAIN/);
    expect(() => userSubdomains("https://a.b.aula.example", "aula.example")).toThrow(/AULA_PUBLIC_URL/);
    expect(userSubdomains("https://aula.example", "aula.example")?.domain).toBe("aula.example");
    expect(userSubdomains("http://127.0.0.1:8000", "aula.localhost")?.port).toBe(":8000");
  });

  it("refuses to build an origin from anything but a username", () => {
    for (const name of ["x@evil.example#", "evil.example/", "a.b", "", "Ana"]) expect(() => userOrigin(local, name)).toThrow();
  });
});

describe("classifyHost", () => {
  it.each([
    ["ana.aula.localhost:18000", "ana"],
    ["ana.aula.localhost", "ana"],
    ["ANA.Aula.Localhost:18000", "ana"],
    ["ana.aula.localhost.:18000", "ana"],
    ["e2e-stu_1.aula.localhost", "e2e-stu_1"],
  ])("reads %s as the server of %s", (host, username) => {
    expect(classifyHost(local, host)).toEqual({ kind: "user", username });
  });

  it.each([undefined, "", "aula.localhost:18000", "127.0.0.1:18000", "[::1]:18000", "localhost", "ana.localhost", "evilaula.localhost", "ana.aula.localhost.evil.example", "aula.localhost.ana"])(
    "reads %s as the portal",
    (host) => {
      expect(classifyHost(local, host)).toEqual({ kind: "portal" });
    },
  );

  it.each(["a.ana.aula.localhost", "x.aula.localhost", "1ana.aula.localhost", "an%61.aula.localhost", "-ana.aula.localhost", ".aula.localhost:18000", "ana..aula.localhost"])(
    "serves nothing at %s, which is under the user domain but names no user",
    (host) => {
      expect(classifyHost(local, host)).toEqual({ kind: "invalid" });
    },
  );
});

describe("safeServerPath", () => {
  it("keeps a path inside the user's own server", () => {
    expect(safeServerPath("ana", "/user/ana/tree?x=1#top")).toBe("/user/ana/tree?x=1#top");
    expect(safeServerPath("ana", "/user/ana/notebooks/a%20b.ipynb")).toBe("/user/ana/notebooks/a%20b.ipynb");
  });

  it.each([
    undefined,
    null,
    42,
    "",
    "/",
    "/user/ana",
    "/user/anabel/tree",
    "/user/bob/",
    "//evil.example/user/ana/",
    "https://evil.example/user/ana/",
    "/user/ana/\r\nSet-Cookie: x=1",
    "/user/ana/\ttree",
    "/user/ana/\\evil",
    "/user/ana/ü",
  ])("falls back to the server's root for %j", (next) => {
    expect(safeServerPath("ana", next)).toBe("/user/ana/");
  });

  it("falls back to the server's root for a path over 2048 characters", () => {
    expect(safeServerPath("ana", `/user/ana/${"a".repeat(2100)}`)).toBe("/user/ana/");
  });
});
