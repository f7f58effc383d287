import { EnvError } from "@aula/config";
import { describe, expect, it } from "vitest";
import { loadEnv } from "./env";

const base = { DATABASE_URL: "postgresql://aula:x@127.0.0.1:5432/aula" };

describe("the gateway's AULA_USER_DOMAIN setting", () => {
  it("is off by default", () => {
    expect(loadEnv(base).AULA_USER_DOMAIN).toBe("");
  });

  it("takes a DNS name, lower-cased", () => {
    expect(loadEnv({ ...base, AULA_PUBLIC_URL: "http://aula.localhost:8000", AULA_USER_DOMAIN: "Aula.Localhost" }).AULA_USER_DOMAIN).toBe("aula.localhost");
  });

  it.each(["http://aula.localhost", "aula.localhost:8000", "*.aula.localhost", "aula..localhost", "-aula.localhost"])("stops the process for %j, naming the variable", (domain) => {
    expect(() => loadEnv({ ...base, AULA_USER_DOMAIN: domain })).toThrow(EnvError);
    expect(() => loadEnv({ ...base, AULA_USER_DOMAIN: domain })).toThrow(/AULA_USER_DOMAIN: must be a DNS name/);
  });

  it("stops the process when the portal's own host would be a user's server", () => {
    expect(() => loadEnv({ ...base, AULA_PUBLIC_URL: "https://www.aula.example", AULA_USER_DOMAIN: "aula.example" })).toThrow(/AULA_USER_DOMAIN: AULA_PUBLIC_URL's host www\.aula\.example is under/);
  });
});
