import { describe, expect, it } from "vitest";
import { needsFullNavigation, safeNextPath } from "./safe-next";

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
