import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { prepareTestTemplate } from "@aula/db";
import { startStack } from "../../e2e/src/stack";
import { apiLoadScenario } from "./api-load";
import { gatewayMemory, gatewayScenario, type GatewayCase } from "./gateway";
import { bounded } from "./procs";
import { startProxies } from "./proxies";
import { gpuStampedeScenario } from "./gpu-stampede";
import { imagesScenario } from "./images";
import { stampedeScenario } from "./stampede";
import { fmtMs, type Figure } from "./stats";
import { startToReady } from "./start-to-ready";
import { newStudent, setupCourse, startServer, stopServer } from "./students";
import { websocketScenario } from "./websocket";

// ./aula bench: brings up a stack of the built apps on its own database and ports, runs each
// scenario with hard bounds, cleans up, and writes bench/results/<date>.json and .md.
// `--smoke` runs a tiny version of every scenario, for the test suite.

const smoke = process.argv.includes("--smoke");
// `--only=2,5` runs just those scenarios (ids as in the table: 1, 2, 3, 4, 5, 6a, gpu, 7), for
// working on one of them while others share the machine. `--profile=api,worker` writes V8 CPU
// profiles of those apps into $TMPDIR/aula-bench-profiles/ (they are written when the stack stops).
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = flag("only")?.split(",");
const selected = (id: string) => !only || only.includes(id);
const profiled = (flag("profile")?.split(",") ?? []) as ("api" | "gateway" | "worker")[];
const results = fileURLToPath(new URL("../results", import.meta.url));

const P = smoke
  ? {
      startRuns: 1,
      gateway: { reps: 1, duration: 1 },
      ws: { roundTrips: 10, reps: 1 },
      memory: { target: 500, boundS: 10, chunkS: 1 },
      api: { students: 50, sessions: 20, reps: 1, duration: 1 },
      stampede: { students: 3, boundMs: 120_000, floorConcurrencies: [3], floorSample: 3 },
      gpu: { gpus: 4, students: 5, boundMs: 90_000 },
      images: { environments: ["python"], coldBuild: [] as string[], noChangeRuns: 2 },
    }
  : {
      // Trimmed so the whole run fits 15 minutes on a 2-core machine with the 100-student
      // stampede (two ~1-2 min class starts), the GPU stampede and a cold image build: the
      // gateway 2 repetitions of 3 s (was 3), the WebSocket 1 batch of 1,000 (was 3), the API
      // 2 repetitions (was 3). TRIMMED below says so in the output.
      startRuns: 20,
      gateway: { reps: 2, duration: 3 },
      ws: { roundTrips: 1000, reps: 1 },
      memory: { target: 1_000_000, boundS: 150, chunkS: 10 },
      api: { students: 1000, sessions: 200, reps: 2, duration: 5 },
      stampede: { students: Number(process.env.AULA_BENCH_STAMPEDE ?? 100), boundMs: 300_000, floorConcurrencies: [2, 4, 8], floorSample: 12 },
      gpu: { gpus: 4, students: 40, boundMs: 240_000 },
      // A cold build of python takes 2-3 minutes here, of pytorch far longer: python only.
      images: { environments: undefined, coldBuild: ["python"], noChangeRuns: 5 },
    };

const f1 = (f: Figure, digits = 2, unit = " ms") => `${f.median.toFixed(digits)}${unit} (${f.min.toFixed(digits)}–${f.max.toFixed(digits)})`;
const f0 = (f: Figure) => `${f.median.toFixed(0)} (${f.min.toFixed(0)}–${f.max.toFixed(0)})`;
const x = (r: number) => `${r.toFixed(2)}×`;

function gatewayRows(cases: GatewayCase[]): string[] {
  const rows: string[] = [];
  for (const c of cases) {
    const label = `${c.upstream} upstream, c=${c.connections}`;
    rows.push(`| Gateway req/s (${label}) | ${f0(c.gateway.rps)} | CHP ${f0(c.chp.rps)}; direct ${f0(c.direct.rps)} | ${x(c.rpsVsChp)} of CHP | ${c.upstream === "static" ? "≥ 2× CHP" : "—"} |`);
    rows.push(`| Gateway p50 / p99 (${label}) | ${f1(c.gateway.p50)} / ${f1(c.gateway.p99)} | CHP ${f1(c.chp.p50)} / ${f1(c.chp.p99)}; direct ${f1(c.direct.p50)} / ${f1(c.direct.p99)} | +${c.addedP50Ms.toFixed(3)} ms p50 over direct (CHP +${c.chpAddedP50Ms.toFixed(3)}) | ${c.upstream === "notebook" ? "≤ +0.3 ms p50" : "—"} |`);
    if (c.gateway.cpuPer1k && c.chp.cpuPer1k) rows.push(`| Proxy CPU per 1,000 req (${label}) | ${f1(c.gateway.cpuPer1k, 0)} | CHP ${f1(c.chp.cpuPer1k, 0)} | ${x(c.cpuVsChp)} of CHP | ${c.upstream === "static" ? "≤ 0.5× CHP" : "—"} |`);
    const failures = c.gateway.failures + c.chp.failures + c.direct.failures;
    if (failures > 0) rows.push(`| failures (${label}) | gateway ${c.gateway.failures} | CHP ${c.chp.failures}; direct ${c.direct.failures} | | 0 |`);
  }
  return rows;
}

async function main(): Promise<void> {
  await prepareTestTemplate();
  const profileDir = path.join(tmpdir(), "aula-bench-profiles");
  if (profiled.length) await mkdir(profileDir, { recursive: true });
  // The worker has simulated GPUs for the GPU stampede; CPU servers never touch them.
  const stack = await startStack({ worker: true, workerEnv: { AULA_GPUS: `sim:${P.gpu.gpus}xH100-80GB` }, nodeArgs: Object.fromEntries(profiled.map((app) => [app, ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${app}-${Date.now()}.cpuprofile`]])) });
  const out: Record<string, unknown> = { date: new Date().toISOString(), smoke, parameters: P };
  const table: string[] = ["| scenario | Aula | floor / peer | ratio | goal |", "|---|---|---|---|---|"];
  const errors: string[] = [];
  const scenario = async (name: string, boundMs: number, body: () => Promise<void>) => {
    const id = name.split(".")[0]!;
    if (!id.split("/").some(selected)) return;
    const t0 = performance.now();
    try {
      await bounded(name, boundMs, body());
    } catch (error) {
      errors.push(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      table.push(`| ${name} | FAILED: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]} | | | |`);
    }
    console.error(`[bench] ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    await scenario("1. Start → ready", smoke ? 120_000 : 240_000, async () => {
      const s1 = await startToReady(stack, P.startRuns);
      out.startToReady = s1;
      table.push(`| Start → Jupyter ready | ${fmtMs(s1.aula)} | docker run: ${fmtMs(s1.floor)} | ${s1.ratio.toFixed(2)}× | ≤ 1.15× |`);
      const p1 = s1.phases;
      table.push(`| Start → ready: where the time went (median) | POST → worker claims ${p1.claim.toFixed(0)} ms; spec ${p1.prepare.toFixed(0)} ms; Docker create+start ${p1.docker.toFixed(0)} ms; Jupyter boot ${p1.boot.toFixed(0)} ms; RUNNING → student's first 200 ${p1.toStudent.toFixed(0)} ms | docker run: Docker create+start ${s1.floorDocker.toFixed(0)} ms, the rest Jupyter's boot and the probe | | — |`);
    });

    const course = await setupCourse(stack);
    const owner = await newStudent(stack, course, "nb");
    await scenario("3/4/6a. Proxies", smoke ? 120_000 : 660_000, async () => {
      const server = await startServer(stack, owner, course);
      const proxies = await startProxies(owner, server);
      try {
        await scenario("3. Gateway", smoke ? 60_000 : 180_000, async () => {
          const cases = await gatewayScenario(proxies, P.gateway);
          out.gateway = cases;
          table.push(...gatewayRows(cases));
        });
        await scenario("4. WebSocket", smoke ? 30_000 : 300_000, async () => {
          const ws = await websocketScenario(proxies, P.ws);
          out.websocket = ws;
          table.push(`| WebSocket execute round trip (${ws.roundTrips} × ${ws.reps}) | ${f1(ws.gateway.medianRtt)} | CHP ${f1(ws.chp.medianRtt)}; direct ${f1(ws.direct.medianRtt)} | ${x(ws.rttVsChp)} of CHP, ${x(ws.rttVsDirect)} of direct | ≤ 1× CHP |`);
          table.push(`| WebSocket total for ${ws.roundTrips} | ${f1(ws.gateway.total, 0)} | CHP ${f1(ws.chp.total, 0)}; direct ${f1(ws.direct.total, 0)} | ${x(ws.totalVsChp)} of CHP | ≤ 1× CHP |`);
        });
        await scenario("6a. Gateway memory", (P.memory.boundS + 30) * 1000, async () => {
          const m = await gatewayMemory(proxies, P.memory);
          out.gatewayMemory = m;
          table.push(`| Gateway RSS after ${m.requests.toLocaleString("en")} requests (${m.seconds.toFixed(0)} s) | ${m.rssBeforeMb.toFixed(1)} → ${m.rssAfterMb.toFixed(1)} MiB | per chunk: ${m.trajectoryMb.map((v) => v.toFixed(0)).join(", ")} | ${x(m.rssAfterMb / m.rssBeforeMb)} | flat${m.failures ? `; ${m.failures} failures` : ""} |`);
        });
      } finally {
        await proxies.stop();
        await stopServer(stack, owner).catch(() => undefined);
      }
    });

    await scenario("5. API under load", smoke ? 30_000 : 120_000, async () => {
      const a = await apiLoadScenario(stack, course, P.api);
      out.apiLoad = a;
      table.push(`| API \`me/courses\` + \`me\`, ${a.students} students, ${a.sessions} closed-loop sessions: p50 / p99 | ${f1(a.gateway.p50)} / ${f1(a.gateway.p99)} | api port direct: ${f1(a.direct.p50)} / ${f1(a.direct.p99)} | ${x(a.gateway.p99.median / a.direct.p99.median)} p99 of direct | p99 ≤ 20 ms |`);
      table.push(`| API req/s (same) | ${f0(a.gateway.rps)} | direct ${f0(a.direct.rps)} | ${x(a.rpsVsDirect)} of direct | —${a.gateway.failures + a.direct.failures ? `; failures ${a.gateway.failures}+${a.direct.failures}` : ""} |`);
      table.push(`| api CPU per 1,000 req (same) | ${f1(a.gateway.apiCpuPer1k, 0)} | direct ${f1(a.direct.apiCpuPer1k, 0)} | | — |`);
      table.push(`| API with think time (${a.sessions} sessions, one dashboard load each per ${a.paced.thinkS} s = ${a.paced.rate} req/s): p50 / p99 | ${f1(a.paced.p50)} / ${f1(a.paced.p99)} | closed loop above | ${f0(a.paced.rps)} req/s served; api CPU ${f1(a.paced.apiCpuPer1k, 0)} per 1,000 | p99 ≤ 20 ms${a.paced.failures ? `; failures ${a.paced.failures}` : ""} |`);
    });

    await scenario("2/6b. Stampede", smoke ? 150_000 : 600_000, async () => {
      const s = await stampedeScenario(stack, course, P.stampede);
      out.stampede = s;
      table.push(`| Stampede: ${s.students} press Start within 1 s: failures, all ready | ${s.failures} failures, ${(s.allReadyMs / 1000).toFixed(1)} s | plain script (best concurrency ${s.floor.bestConcurrency}): ${(s.floor.allReadyMs / 1000).toFixed(1)} s | ${x(s.ratio)} | 0 failures, ≤ 1.2× |`);
      table.push(`| Stampede: where the time went (median / max) | queue wait ${(s.phases.queueWait[0] / 1000).toFixed(1)} / ${(s.phases.queueWait[1] / 1000).toFixed(1)} s; spawn ${(s.phases.spawn[0] / 1000).toFixed(1)} / ${(s.phases.spawn[1] / 1000).toFixed(1)} s (row and spec ${s.phases.spawnSteps.prepare[0].toFixed(0)} ms, Docker create+start ${s.phases.spawnSteps.docker[0].toFixed(0)} ms, Jupyter boot ${s.phases.spawnSteps.boot[0].toFixed(0)} ms); RUNNING → student's first 200 ${s.phases.readyToStudent[0].toFixed(0)} / ${s.phases.readyToStudent[1].toFixed(0)} ms | script sample (${s.floor.sample} containers): ${Object.entries(s.floor.byConcurrency).map(([c, ms]) => `c=${c} ${(ms / 1000).toFixed(1)} s`).join(", ")}; ${s.floor.aulaSpecN} at c=${s.floor.bestConcurrency} with Aula's container spec ${(s.floor.aulaSpecSampleMs / 1000).toFixed(1)} s | ${x(s.floor.aulaSpecSampleMs / (s.floor.aulaSpecN === s.students ? s.floor.allReadyMs : s.floor.byConcurrency[String(s.floor.bestConcurrency)]!))} for Aula's spec | — |`);
      table.push(`| Stampede order of service (share of pairs served in press order) | ${s.orderConcordance.toFixed(2)} | | | — |`);
      table.push(`| Control plane RSS with ${s.students} running servers | ${s.controlPlaneRssTotalMb.toFixed(0)} MiB | ${Object.entries(s.controlPlaneRssMb).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(", ")} | | — |`);
    });

    await scenario("gpu. GPU stampede", P.gpu.boundMs + 60_000, async () => {
      const g = await gpuStampedeScenario(stack, course.image, P.gpu);
      out.gpuStampede = g;
      table.push(`| GPU stampede: ${g.students} ask for a GPU within 1 s, ${g.gpus} simulated GPUs, each stopped once running | ${g.failures} failures, all served in ${(g.allServedMs / 1000).toFixed(1)} s | ${g.toldPosition} told a queue position (largest ${g.maxPositionTold}), ${g.positionRegressions} moved back | ledger: ${g.ledgerIntervals} intervals, at most ${g.maxOpen} open at once, ${g.maxOpenPerSlot} per slot, ${g.unreleased} unreleased | 0 failures, ≤ ${g.gpus} open, 1 per slot |`);
    });

    await scenario("7. Images", smoke ? 120_000 : 420_000, async () => {
      const images = await imagesScenario(stack, { ...(P.images.environments ? { environments: P.images.environments } : {}), coldBuild: P.images.coldBuild, noChangeRuns: P.images.noChangeRuns, log: (l) => console.error(`[bench] cold build: ${l}`) });
      out.images = images;
      for (const i of images) {
        const size = i.sizeMb === null ? "not built" : `${i.sizeMb.toFixed(0)} MB`;
        const vs = i.sizeMb !== null && i.targetMb !== null ? `${x(i.sizeMb / i.targetMb)} of target` : "";
        const builds = [i.noChangeRebuildMs ? `no-change rebuild ${f1(i.noChangeRebuildMs, 0)}` : null, i.firstCachedBuildMs !== null ? `first build in a fresh database (all steps cached, then the gate) ${(i.firstCachedBuildMs / 1000).toFixed(1)} s` : null, i.coldBuildMs !== null ? `cold build (${i.recipe} recipe, no cache) ${(i.coldBuildMs / 1000).toFixed(0)} s` : "cold build not run in this run"].filter(Boolean).join("; ");
        table.push(`| Image ${i.name}: size, builds | ${size} | target ${i.targetMb ?? "—"} MB; ${builds} | ${vs} | ≤ target |`);
      }
    });
  } finally {
    // A failed teardown (Docker restarted by someone else) must not lose the figures measured.
    await stack.stop().catch((error: unknown) => errors.push(`teardown: ${error instanceof Error ? error.message : String(error)}`));
  }
  out.errors = errors;
  const trimmed = smoke ? "" : "\n\nTRIMMED to fit 15 minutes on 2 cores: gateway 2 repetitions (was 3), WebSocket 1 batch of 1,000 round trips (was 3), API 2 repetitions (was 3); the stampede script's best concurrency is chosen on 12 containers, then the whole class is started once at it. Only python gets a cold build.";
  const md = `# Aula benchmarks ${String(out.date)}${smoke ? " (smoke run)" : ""}${only ? ` (only ${only.join(", ")})` : ""}\n\nMedian (min–max) over repeated runs; every ratio is against a baseline measured in the same run.${trimmed}\n\n${table.join("\n")}\n`;
  console.log(md);
  if (!smoke) {
    await mkdir(results, { recursive: true });
    // A partial run never overwrites the day's full results.
    const stem = path.join(results, `${String(out.date).slice(0, 10)}${only ? `-only-${only.join("_")}` : ""}`);
    await writeFile(`${stem}.json`, JSON.stringify(out, null, 2) + "\n");
    await writeFile(`${stem}.md`, md);
  }
  if (errors.length > 0) throw new Error(`${errors.length} scenario(s) failed:\n${errors.join("\n\n")}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
