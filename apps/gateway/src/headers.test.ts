import { describe, expect, it } from "vitest";
import { appendForwarded, copyRequestHeaders, copyResponseHeaders } from "./headers";

const pairs = (flat: string[]): [string, string][] => {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
};

describe("copyRequestHeaders", () => {
  it("removes the portal cookie and Authorization in /user mode and reports them", () => {
    const out: string[] = [];
    const head = copyRequestHeaders(["Host", "h", "cookie", "a=1; aula_session=s3cret;b=2", "Authorization", "Bearer aula_t", "Accept", "text/html"], out, { stripCredentials: true, upgrade: false });
    expect(head).toMatchObject({ host: "h", sessionSecret: "s3cret", authorization: "Bearer aula_t", acceptsHtml: true, hasBody: false });
    expect(pairs(out)).toEqual([["Host", "h"], ["cookie", "a=1; b=2"], ["Accept", "text/html"]]);
  });

  it("does not mistake a cookie whose name merely contains aula_session", () => {
    const out: string[] = [];
    const head = copyRequestHeaders(["Cookie", "x_aula_session=1; aula_session_old=2"], out, { stripCredentials: true, upgrade: false });
    expect(head.sessionSecret).toBeNull();
    expect(pairs(out)).toEqual([["Cookie", "x_aula_session=1; aula_session_old=2"]]);
  });

  it("removes and collects per-user subdomain cookies, and drops sign-in state cookies", () => {
    const out: string[] = [];
    const head = copyRequestHeaders(["Cookie", "_xsrf=x; aula_server=one; aula_state_abc=1; aula_server=two; aula_serverx=3"], out, { stripCredentials: true, upgrade: false });
    expect(head.serverCookies).toEqual(["one", "two"]);
    expect(head.sessionSecret).toBeNull();
    expect(pairs(out)).toEqual([["Cookie", "_xsrf=x; aula_serverx=3"]]);
  });

  it("collects at most four subdomain cookies from one request", () => {
    const head = copyRequestHeaders(["Cookie", Array.from({ length: 50 }, (_, i) => `aula_server=v${i}`).join("; ")], [], { stripCredentials: true, upgrade: false });
    expect(head.serverCookies).toEqual(["v0", "v1", "v2", "v3"]);
  });

  it("keeps Upgrade and sends Connection: Upgrade for a WebSocket handshake", () => {
    const out: string[] = [];
    copyRequestHeaders(["Connection", "keep-alive, Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Key", "k"], out, { stripCredentials: false, upgrade: true });
    expect(pairs(out)).toEqual([["Upgrade", "websocket"], ["Sec-WebSocket-Key", "k"], ["Connection", "Upgrade"]]);
  });

  it("notes a body from Content-Length or Transfer-Encoding, and drops the latter", () => {
    const out: string[] = [];
    expect(copyRequestHeaders(["Transfer-Encoding", "chunked"], out, { stripCredentials: false, upgrade: false }).hasBody).toBe(true);
    expect(out).toEqual([]);
    expect(copyRequestHeaders(["Content-Length", "0"], [], { stripCredentials: false, upgrade: false }).hasBody).toBe(false);
  });
});

describe("appendForwarded", () => {
  it("writes the peer, the scheme, the host and its port", () => {
    const out: string[] = [];
    appendForwarded(out, "::ffff:10.1.2.3", "https", "aula.example");
    expect(pairs(out)).toEqual([["X-Forwarded-For", "10.1.2.3"], ["X-Forwarded-Proto", "https"], ["X-Forwarded-Host", "aula.example"], ["X-Forwarded-Port", "443"]]);
    const v6: string[] = [];
    appendForwarded(v6, "::1", "http", "[::1]:8000");
    expect(v6.at(-1)).toBe("8000");
  });
});

describe("copyResponseHeaders", () => {
  it("drops hop-by-hop response headers and adds nothing for Jupyter", () => {
    const out: string[] = [];
    copyResponseHeaders(["Content-Type", "text/plain", "Connection", "keep-alive", "Keep-Alive", "timeout=5", "Transfer-Encoding", "chunked"], out, false);
    expect(pairs(out)).toEqual([["Content-Type", "text/plain"]]);
  });

  it("leaves an upstream's own frame-ancestors alone", () => {
    const out: string[] = [];
    copyResponseHeaders(["content-security-policy", "frame-ancestors 'self'"], out, true);
    expect(out.filter((h) => h.toLowerCase() === "content-security-policy")).toHaveLength(1);
    expect(out[1]).toBe("frame-ancestors 'self'");
  });
});
