import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { STUDENT_BRIDGE } from "@aula/docker";

// ./aula up installs the rules that keep student containers away from the host's services.
// The test installs them the same way and reads them back; it never sends a packet.

const root = fileURLToPath(new URL("../../..", import.meta.url));

function sh(script: string): string {
  return execFileSync("bash", ["-c", script], { cwd: root, env: { ...process.env, ROOT: root }, encoding: "utf8" });
}

describe("the student firewall", () => {
  it("rejects traffic from the Docker bridges (docker0 and the student network's) to PostgreSQL, Redis, the Docker API and Aula's ports", () => {
    sh(`. infra/scripts/lib.sh; . infra/scripts/firewall.sh; AULA_PORT=8000 AULA_API_PORT=8001 AULA_WEB_PORT=3000 install_firewall_rules`);
    const rules = sh("iptables -w -S AULA-STUDENTS");
    for (const port of [5432, 6379, 2375, 2376, 8000, 8001, 3000]) {
      expect(rules, `port ${port}`).toMatch(new RegExp(`-A AULA-STUDENTS -p tcp -m tcp --dport ${port} -j REJECT --reject-with tcp-reset`));
    }
    // The chain is reached for everything that enters from either bridge, exactly once each.
    const input = sh("iptables -w -S INPUT").split("\n").filter((l) => l.includes("AULA-STUDENTS"));
    expect([...input].sort()).toEqual(["-A INPUT -i aula-students -j AULA-STUDENTS", "-A INPUT -i docker0 -j AULA-STUDENTS"]);
    // The student network's interface is the one those rules name (fixed by the worker).
    expect(STUDENT_BRIDGE).toBe("aula-students");
  });

  it("is idempotent: installing twice leaves one set of rules", () => {
    const install = `. infra/scripts/lib.sh; . infra/scripts/firewall.sh; install_firewall_rules`;
    sh(install);
    const once = sh("iptables -w -S AULA-STUDENTS");
    sh(install);
    expect(sh("iptables -w -S AULA-STUDENTS")).toBe(once);
    expect(sh("iptables -w -S INPUT").split("\n").filter((l) => l.includes("AULA-STUDENTS"))).toHaveLength(2);
  });
});
