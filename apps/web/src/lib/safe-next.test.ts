import { describe, expect, it } from "vitest";
import { needsFullNavigation, needsPageLoad, safeNextPath, serverDestination } from "./safe-next";

describe("safeNextPath", () => {
  it("follows a path on this origin, keeping its query and fragment", () => {
    expect(safeNextPath("/admin/users")).toBe("/admin/users");
    expect(safeNextPath("/admin/users?query=ana#top")).toBe("/admin/users?query=ana#top");
    expect(safeNextPath("/user/ana/tree")).toBe("/user/ana/tree");
  });

  it.each([
    ["//evil.example", "protocol-relative URL"],
    ["//evil.example/login", "protocol-relative URL with a path"],
    ["/\\evil.example", "backslash that browsers read as a slash"],
    ["\\\\evil.example", "two backslashes"],
    ["https://evil.example/", "absolute URL"],
    ["javascript:alert(1)", "javascript: URL"],
    ["evil.example", "relative path"],
    ["/\t/evil.example", "tab that browsers strip"],
    ["/\n/evil.example", "newline that browsers strip"],
    ["", "empty string"],
  ])("refuses %j (%s)", (next) => {
    expect(safeNextPath(next)).toBeNull();
  });

  it("refuses null, undefined and the login page itself", () => {
    expect(safeNextPath(null)).toBeNull();
    expect(safeNextPath(undefined)).toBeNull();
    expect(safeNextPath("/login?next=/admin")).toBeNull();
  });
});

describe("needsFullNavigation", () => {
  it("sends Jupyter and API paths to the gateway with a full page load", () => {
    expect(needsFullNavigation("/user/ana/tree")).toBe(true);
    expect(needsFullNavigation("/api/v1/docs")).toBe(true);
    expect(needsFullNavigation("/admin/users")).toBe(false);
    expect(needsFullNavigation("/users")).toBe(false);
  });
});

describe("serverDestination (the start page, once the server runs)", () => {
  it("goes to next, or to the server, on the portal when servers live under /user/", () => {
    expect(serverDestination("/user/ana/tree", "/user/ana/")).toBe("/user/ana/tree");
    expect(serverDestination(null, "/user/ana/")).toBe("/user/ana/");
    expect(serverDestination("//evil.example/", "/user/ana/")).toBe("/user/ana/");
  });

  it("puts a /user/ next on the server's own origin in subdomain mode, and nothing else there", () => {
    const url = "http://ana.aula.localhost:18000/user/ana/";
    expect(serverDestination("/user/ana/tree?x=1", url)).toBe("http://ana.aula.localhost:18000/user/ana/tree?x=1");
    expect(serverDestination(null, url)).toBe(url);
    expect(serverDestination("https://evil.example/user/ana/", url)).toBe(url);
    expect(serverDestination("//evil.example/user/ana/", url)).toBe(url);
    expect(serverDestination("/dashboard", url)).toBe("/dashboard");
  });

  it("loads another origin or a gateway path as a whole page", () => {
    expect(needsPageLoad("http://ana.aula.localhost:18000/user/ana/")).toBe(true);
    expect(needsPageLoad("/user/ana/")).toBe(true);
    expect(needsPageLoad("/dashboard")).toBe(false);
  });
});
