import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { openTab, screenshotDir, signIn } from "./session";
import { startStack, type Stack, type TestUser } from "./stack";

// The environments admin without the worker or Docker: the test writes the Environment and
// ImageBuild rows the way a finished build leaves them (a real build takes minutes), then reads
// them through the portal: the table, the size against the target, and a build's stored log.
// The live log is played the way the worker writes it: lines appended to the row, then published
// on the build's channel (packages/queue/src/build-log-channel.ts), then an "end" message.

const MB = 1_000_000;

describe("the environments admin", () => {
  let stack: Stack;
  let browser: Browser;
  let admin: TestUser;
  let succeededId = "";
  let failedId = "";
  let redis: Redis;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    admin = await stack.createUser({ username: "ada", displayName: "Ada Admin", role: "admin" });
    const db = stack.db;
    const hour = 3_600_000;
    const now = Date.now();

    // python: published by a successful build, 493 MB of a 500 MB target.
    const python = await db.environment.create({
      data: { name: "python", title: "Python y NumPy", stage: "Fundamentos", weeksLabel: "1-2", targetSizeMb: 500, recipe: "offline" },
    });
    const ok = await db.imageBuild.create({
      data: {
        environmentId: python.id,
        status: "SUCCEEDED",
        recipe: "offline",
        contentHash: "a".repeat(64),
        imageTag: "aula-env/python:aaaaaaaaaaaa",
        imageId: "sha256:" + "b".repeat(64),
        sizeBytes: BigInt(493 * MB),
        layerCount: 9,
        durationMs: 65_000,
        cachedSteps: 7,
        totalSteps: 9,
        log: "Step 1/9 : FROM python:3.11-slim-bookworm\nStep 2/9 : RUN pip install numpy\nSmoke test passed: import numpy\nPublished aula-env/python:aaaaaaaaaaaa\n",
        createdAt: new Date(now - 2 * hour),
        startedAt: new Date(now - 2 * hour),
        finishedAt: new Date(now - 2 * hour + 65_000),
      },
    });
    succeededId = ok.id;
    await db.environment.update({
      where: { id: python.id },
      data: { publishedImage: ok.imageTag, publishedImageId: ok.imageId, publishedBuildId: ok.id, publishedAt: ok.finishedAt },
    });

    // pytorch: published over its target, and its last build failed.
    const pytorch = await db.environment.create({
      data: { name: "pytorch", title: "PyTorch básico", stage: "Deep learning", weeksLabel: "3-5", gpu: "OPTIONAL", gpuShare: 2, targetSizeMb: 4000, recipe: "online" },
    });
    const old = await db.imageBuild.create({
      data: {
        environmentId: pytorch.id,
        status: "SUCCEEDED",
        recipe: "online",
        contentHash: "c".repeat(64),
        imageTag: "aula-env/pytorch:cccccccccccc",
        sizeBytes: BigInt(4200 * MB),
        log: "done\n",
        createdAt: new Date(now - 30 * hour),
        finishedAt: new Date(now - 29 * hour),
      },
    });
    await db.environment.update({ where: { id: pytorch.id }, data: { publishedImage: old.imageTag, publishedBuildId: old.id, publishedAt: old.finishedAt } });
    const failed = await db.imageBuild.create({
      data: {
        environmentId: pytorch.id,
        status: "FAILED",
        recipe: "online",
        contentHash: "d".repeat(64),
        imageTag: "aula-env/pytorch:dddddddddddd",
        log: "Step 1/4 : FROM python:3.11-slim-bookworm\nERROR: Could not find a version that satisfies the requirement torch==9.9\n",
        error: "pip could not install torch==9.9",
        durationMs: 12_000,
        createdAt: new Date(now - hour),
        startedAt: new Date(now - hour),
        finishedAt: new Date(now - hour + 12_000),
      },
    });
    failedId = failed.id;

    // nlp: registered, never built.
    await db.environment.create({ data: { name: "pytorch-nlp", title: "PyTorch NLP", stage: "NLP", weeksLabel: "6", gpu: "REQUIRED", targetSizeMb: 6000 } });
  });

  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await stack?.stop();
  });

  it("lists each environment with its size against the target and its last build, and shows a build's stored log", async () => {
    const { context, page } = await openTab(browser, stack);
    const dir = screenshotDir();
    try {
      await page.goto("/login?next=/admin/environments");
      await signIn(page, admin);
      await page.waitForURL((url) => url.pathname === "/admin/environments");

      const python = page.getByRole("row", { name: "python", exact: true });
      await python.waitFor();
      const pythonText = await python.innerText();
      expect(pythonText).toContain("Python y NumPy");
      expect(pythonText).toContain("493 MB / 500 MB");
      expect(pythonText).toContain("within target");
      expect(pythonText).toContain("aula-env/python:aaaaaaaaaaaa");
      expect(pythonText).toContain("Succeeded");
      expect(pythonText).toContain("offline");

      const pytorch = page.getByRole("row", { name: "pytorch", exact: true });
      const pytorchText = await pytorch.innerText();
      expect(pytorchText).toContain("4200 MB / 4000 MB");
      expect(pytorchText).toContain("over target");
      expect(pytorchText).toContain("Failed");
      expect(pytorchText).toContain("optional, shared:2");

      const nlp = page.getByRole("row", { name: "pytorch-nlp", exact: true });
      const nlpText = await nlp.innerText();
      expect(nlpText).toContain("not published yet");
      expect(nlpText).toContain("never built");
      expect(nlpText).toContain("required");
      if (dir) await page.screenshot({ path: `${dir}/aula-admin-environments.png`, fullPage: true });

      // The successful build: details and the stored log, which ends the stream.
      await python.getByRole("link", { name: /^Build of python/ }).click();
      await page.waitForURL((url) => url.pathname === `/admin/builds/${succeededId}`);
      await page.getByRole("heading", { name: "Build of python" }).waitFor();
      const log = page.getByLabel("Build log");
      await log.getByText("Published aula-env/python:aaaaaaaaaaaa").waitFor();
      expect(await log.innerText()).toContain("Step 2/9 : RUN pip install numpy");
      await page.getByText("The build has ended.").waitFor();
      const summary = await page.getByRole("region", { name: "Summary" }).innerText();
      expect(summary).toContain("Succeeded");
      expect(summary).toContain("493 MB");
      expect(summary).toContain("7 of 9 steps cached");
      expect(summary).toContain("1 min 5 s");
      expect(summary).toContain("aula-env/python:aaaaaaaaaaaa");
      if (dir) await page.screenshot({ path: `${dir}/aula-admin-build.png`, fullPage: true });

      // The failed build: its error and the log up to the failure.
      await page.getByRole("link", { name: "← Environments" }).click();
      await page.getByRole("row", { name: "pytorch", exact: true }).getByRole("link", { name: /^Build of pytorch/ }).click();
      await page.waitForURL((url) => url.pathname === `/admin/builds/${failedId}`);
      await page.getByLabel("Build log").getByText("Could not find a version that satisfies the requirement torch==9.9").waitFor();
      await page.getByText("pip could not install torch==9.9").waitFor();
      expect(await page.getByRole("region", { name: "Summary" }).innerText()).toContain("Failed");
      if (dir) await page.screenshot({ path: `${dir}/aula-admin-build-failed.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  it("requests a rebuild after a confirmation and goes to the new build's page", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/admin/environments");
      await signIn(page, admin);
      const nlp = page.getByRole("row", { name: "pytorch-nlp", exact: true });
      await nlp.waitFor();
      page.once("dialog", (dialog) => void dialog.accept());
      await nlp.getByRole("button", { name: "Rebuild pytorch-nlp" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/admin/builds/"));
      const id = new URL(page.url()).pathname.split("/").pop()!;
      // No worker in this stack: the build stays queued.
      const row = await stack.db.imageBuild.findUniqueOrThrow({ where: { id }, include: { environment: true } });
      expect(row.environment.name).toBe("pytorch-nlp");
      expect(row.status).toBe("QUEUED");
      await page.getByRole("heading", { name: "Build of pytorch-nlp" }).waitFor();
      expect(await page.getByRole("region", { name: "Summary" }).innerText()).toContain("Queued");
    } finally {
      await context.close();
    }
  });

  it("follows a running build's log live, keeps the newest line in view, and stops at the end", async () => {
    const db = stack.db;
    const env = await db.environment.create({ data: { name: "live-env", title: "Live", stage: "Tests", weeksLabel: "0", targetSizeMb: 600 } });
    const build = await db.imageBuild.create({
      data: { environmentId: env.id, status: "RUNNING", recipe: "offline", contentHash: "e".repeat(64), imageTag: "aula-env/live-env:eeeeeeeeeeee", log: "Step 1/3 : FROM base\n", startedAt: new Date() },
    });
    const channel = `${stack.redisPrefix}:build-log:${build.id}`;
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto(`/login?next=/admin/builds/${build.id}`);
      await signIn(page, admin);
      await page.waitForURL((url) => url.pathname === `/admin/builds/${build.id}`);
      const log = page.getByLabel("Build log");
      await log.getByText("Step 1/3 : FROM base").waitFor();
      expect(await page.getByRole("region", { name: "Summary" }).innerText()).toContain("Running");

      // As the worker does: store the lines, then publish them with the number of the first.
      const lines = ["Step 2/3 : RUN pip install", ...Array.from({ length: 80 }, (_, i) => `  collecting package ${i + 1}`), "Step 3/3 : COPY check.py"];
      await db.imageBuild.update({ where: { id: build.id }, data: { log: `Step 1/3 : FROM base\n${lines.join("\n")}\n` } });
      await redis.publish(channel, JSON.stringify({ type: "lines", seq: 1, lines }));
      await log.getByText("Step 3/3 : COPY check.py").waitFor();
      const scrolled = await log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
      expect(scrolled).toBeLessThan(30);
      expect(await page.getByText("The build has ended.").count()).toBe(0);

      await db.imageBuild.update({ where: { id: build.id }, data: { status: "SUCCEEDED", sizeBytes: BigInt(512 * MB), durationMs: 42_000, finishedAt: new Date() } });
      await redis.publish(channel, JSON.stringify({ type: "end", status: "SUCCEEDED" }));
      await page.getByText("The build has ended.").waitFor();
      const summary = page.getByRole("region", { name: "Summary" });
      await summary.getByText("Succeeded").waitFor();
      // The row is read again at the end: size and duration are final then.
      await summary.getByText("512 MB").waitFor();
      expect(await summary.innerText()).toContain("42 s");
      // Each line once: the stored part and the live batch overlap by nothing.
      expect((await log.innerText()).split("Step 1/3 : FROM base").length).toBe(2);
    } finally {
      await context.close();
    }
  });
});
