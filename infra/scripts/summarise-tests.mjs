// Prints one closing line over every vitest JSON report: "aula test: N passed, N failed".
import { readFileSync } from "node:fs";

let passed = 0, failed = 0, skipped = 0, files = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, "utf8"));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    files++;
    if (r.success === false && (r.numFailedTests ?? 0) === 0) failed++; // a suite that failed to load
  } catch {
    failed++;
    console.error(`missing or unreadable test report: ${file}`);
  }
}
console.log(`\naula test: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
if (files === 0 || passed === 0 || failed > 0) process.exit(1);
