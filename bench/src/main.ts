import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { prepareTestTemplate } from "@aula/db";
import { startStack } from "../../e2e/src/stack";
import { fmtMs } from "./stats";
import { startToReady } from "./start-to-ready";

// ./aula bench: brings up a stack of the built apps on its own database and ports, runs each
// scenario with hard bounds, cleans up, and writes bench/results/<date>.json and .md.
// `--smoke` runs each scenario once, for the test suite.

const smoke = process.argv.includes("--smoke");
const results = fileURLToPath(new URL("../results", import.meta.url));

async function main(): Promise<void> {
  await prepareTestTemplate();
  const stack = await startStack({ worker: true });
  const out: Record<string, unknown> = { date: new Date().toISOString(), smoke };
  const table: string[] = ["| scenario | Aula | floor / peer | ratio | goal |", "|---|---|---|---|---|"];
  try {
    const s1 = await startToReady(stack, smoke ? 1 : 20);
    out.startToReady = s1;
    table.push(`| Start → Jupyter ready | ${fmtMs(s1.aula)} | docker run: ${fmtMs(s1.floor)} | ${s1.ratio.toFixed(2)}× | ≤ 1.15× |`);
  } finally {
    await stack.stop();
  }
  const md = `# Aula benchmarks ${String(out.date)}${smoke ? " (smoke run)" : ""}\n\nMedian (min–max).\n\n${table.join("\n")}\n`;
  console.log(md);
  if (!smoke) {
    await mkdir(results, { recursive: true });
    const stem = path.join(results, String(out.date).slice(0, 10));
    await writeFile(`${stem}.json`, JSON.stringify(out, null, 2) + "\n");
    await writeFile(`${stem}.md`, md);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
