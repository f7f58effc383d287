import { describe, expect, it } from "vitest";
import { parseUserPath } from "./user-path";

describe("parseUserPath", () => {
  it("accepts a user's path and names the user", () => {
    expect(parseUserPath("/user/ana/")).toEqual({ kind: "ok", username: "ana" });
    expect(parseUserPath("/user/ana_b-2/api/kernels?x=../y")).toEqual({ kind: "ok", username: "ana_b-2" });
    expect(parseUserPath("/user/ana/.ipynb_checkpoints/a..b/...")).toEqual({ kind: "ok", username: "ana" });
  });

  it("redirects the bare name to its trailing-slash form, keeping the query", () => {
    expect(parseUserPath("/user/ana")).toEqual({ kind: "redirect", location: "/user/ana/", username: "ana" });
    expect(parseUserPath("/user/ana?next=1")).toEqual({ kind: "redirect", location: "/user/ana/?next=1", username: "ana" });
  });

  it.each(["/user/ab/../abc/", "/user/ab/./", "/user/ab/x/..", "/user/..", "/user/./", "/user/ab/%2e%2e/abc", "/user/ab/%2E./abc", "/user/ab%2Fx/", "/user/ab/x%2fy", "/user/ab/%5C", "/user/ab/a\\b"])(
    "refuses %s",
    (url) => expect(parseUserPath(url)).toEqual({ kind: "refused" }),
  );

  it.each(["/user/Ana/", "/user/ana;x/", "/user/a/", "/user//x", "/user/1ana/", "/user/ana%41/", `/user/${"a".repeat(33)}/`])("does not know %s", (url) =>
    expect(parseUserPath(url)).toEqual({ kind: "unknown" }),
  );

  it("ignores dots and encodings in the query string", () => {
    expect(parseUserPath("/user/ana/api?path=%2e%2e/..")).toEqual({ kind: "ok", username: "ana" });
  });

  it("answers quickly for long hostile paths (one linear pass)", () => {
    const url = `/user/ana/${"%2".repeat(50_000)}`;
    expect(parseUserPath(url)).toEqual({ kind: "ok", username: "ana" });
  });
});
