import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// ./aula up installs the rules that keep student containers away from the host's services.
// The test installs them the same way and reads them back; it never sends a packet.

const root = fileURLToPath(new URL("../../..", import.meta.url));

function sh(script: string): string {
  return execFileSync("bash", ["-c", script], { cwd: root, env: { ...process.env, ROOT: root }, encoding: "utf8" });
}

describe("the student firewall", () => {
  it("rejects traffic from the Docker bridge to PostgreSQL, Redis, the Docker API and Aula's ports", () => {
    sh(`. infra/scripts/lib.sh; . infra/scripts/firewall.sh; AULA_PORT=8000 AULA_API_PORT=8001 AULA_WEB_PORT=3000 install_firewall_rules`);
    const rules = sh("iptables -w -S AULA-STUDENTS");
    for (const port of [5432, 6379, 2375, 2376, 8000, 8001, 3000]) {
      expect(rules, `port ${port}`).toMatch(new RegExp(`-A AULA-STUDENTS -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset`));
    }
    // The chain is reached for everything that enters from the bridge, exactly once.
    const input = sh("iptables -w -S INPUT").split("\n").filter((l) => l.includes("AULA-STUDENTS"));
    expect(input).toEqual(["-A INPUT -i docker0 -j AULA-STUDENTS"]);
  });

  it("is idempotent: installing twice leaves one set of rules", () => {
    const install = `. infra/scripts/lib.sh; . infra/scripts/firewall.sh; install_firewall_rules`;
    sh(install);
    const once = sh("iptables -w -S AULA-STUDENTS");
    sh(install);
    expect(sh("iptables -w -S AULA-STUDENTS")).toBe(once);
    expect(sh("iptables -w -S INPUT").split("\n").filter((l) => l.includes("AULA-STUDENTS"))).toHaveLength(1);
  });
});
