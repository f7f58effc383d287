// Prints one closing line over every vitest JSON report: "aula test: N passed, N failed", and
// above it each failure by file and name, so a CI log cut to its tail still says what broke.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

let passed = 0, failed = 0, skipped = 0, files = 0;
const failures = [];
const firstLine = (text) => String(text ?? "").split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 300) ?? "";

for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    files++;
    // A hook (beforeAll/afterAll) that throws fails its file while every test in it passed.
    if (r.success === false && (r.numFailedTests ?? 0) === 0) failed++;
    for (const suite of r.testResults ?? []) {
      const where = relative(process.cwd(), suite.name ?? "");
      const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === "failed");
      for (const t of failedTests) failures.push(`${where} › ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      if (suite.status === "failed" && failedTests.length === 0) failures.push(`${where} (the file itself, e.g. a hook): ${firstLine(suite.message)}`);
    }
  } catch {
    failed++;
    failures.push(`missing or unreadable test report: ${file}`);
  }
}
if (failures.length > 0) console.log(`\nfailed:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
console.log(`\naula test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (files === 0 || passed === 0 || failed > 0) process.exit(1);
