import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { errorOn, openTab, screenshotDir, signIn } from "./session";
import { startStack, type Stack, type TestUser } from "./stack";

// The dashboard's states without the worker or Docker: the test plays the worker's part by
// writing the server row and publishing spawn progress the way the worker does
// (packages/queue/src/progress.ts: a history list plus a pub/sub channel per server).

describe("the student dashboard, each server state", () => {
  let stack: Stack;
  let browser: Browser;
  let redis: Redis;
  let student: TestUser;
  let instructor: TestUser;
  const courseTitle = "PyTorch Zero to Hero";

  async function publish(event: { serverId: string; phase: string; message: string; progress: number; position?: number; etaSeconds?: number }) {
    const json = JSON.stringify({ ...event, at: new Date().toISOString() });
    const key = `${stack.redisPrefix}:progress-log:${event.serverId}`;
    await redis.multi().rpush(key, json).expire(key, 3600).publish(`${stack.redisPrefix}:progress:${event.serverId}`, json).exec();
  }

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
    student = await stack.createUser({ username: "bea", displayName: "Bea Student", role: "student" });
    instructor = await stack.createUser({ username: "ines", displayName: "Ines Teacher", role: "instructor" });

    const db = stack.db;
    const python = await createPublishedEnvironment(db, { name: "python", image: "aula-env/python:test" });
    await db.environment.update({ where: { id: python.id }, data: { title: "Python y NumPy: fundamentos" } });
    const pytorch = await createPublishedEnvironment(db, { name: "pytorch", image: "aula-env/pytorch:test", gpu: "OPTIONAL" });
    await db.environment.update({ where: { id: pytorch.id }, data: { title: "PyTorch básico" } });
    const nlp = await createPublishedEnvironment(db, { name: "pytorch-nlp", gpu: "REQUIRED" });
    await db.environment.update({ where: { id: nlp.id }, data: { title: "PyTorch NLP", publishedImage: null, publishedAt: null } });
    const course = await createCourseWithWeeks(db, { environmentId: python.id, weeks: 5, released: 4, slug: "pytorch-zth" });
    await db.course.update({ where: { id: course.id }, data: { title: courseTitle } });
    const week = (number: number) => ({ courseId_number: { courseId: course.id, number } });
    await db.week.update({ where: week(1), data: { title: "Python basics" } });
    await db.week.update({ where: week(2), data: { environmentId: pytorch.id, title: "Tensors" } });
    await db.week.update({ where: week(3), data: { environmentId: nlp.id, title: "Transformers" } });
    await db.week.update({ where: week(4), data: { environmentId: null, title: "Project" } });
    await db.week.update({ where: week(5), data: { title: "Not yet", releaseAt: new Date(Date.now() + 7 * 86_400_000) } });
    for (const [user, role] of [[student, "STUDENT"], [instructor, "INSTRUCTOR"]] as const) {
      const row = await db.user.findUniqueOrThrow({ where: { username: user.username } });
      await enrollTestUser(db, { courseId: course.id, userId: row.id, role });
    }
  });

  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await stack?.stop();
  });

  it("lists the released weeks, follows a queued start to running, and shows why it stopped or failed", async () => {
    const { context, page } = await openTab(browser, stack);
    const dir = screenshotDir();
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      const course = page.getByRole("region", { name: courseTitle });
      await course.getByText("Python basics").waitFor();
      const text = await course.innerText();
      expect(text).toContain("GPU optional");
      expect(text).toContain("GPU required");
      expect(text).toContain("being prepared");
      expect(text).toContain("No environment chosen yet");
      expect(text).not.toContain("Not yet"); // week 5 is not released: students don't see it
      const status = page.getByRole("status");
      await status.getByText("You have no server running.").waitFor();
      expect(await course.getByRole("button", { name: "Start week 1" }).isEnabled()).toBe(true);
      expect(await course.getByRole("button", { name: "Start week 2" }).isEnabled()).toBe(true);
      expect(await course.getByRole("button", { name: "Start week 3" }).isDisabled()).toBe(true);
      expect(await course.getByRole("button", { name: "Start week 4" }).isDisabled()).toBe(true);
      if (dir) await page.screenshot({ path: `${dir}/aula-dashboard-weeks.png`, fullPage: true });

      // Start: the API queues it (no worker here), the stream reports the queue position.
      await course.getByRole("button", { name: "Start week 1" }).click();
      await page.getByRole("progressbar").waitFor();
      const server = await stack.db.server.findFirstOrThrow({ where: { user: { username: student.username } } });
      await publish({ serverId: server.id, phase: "queued", message: "Waiting for a free slot…", progress: 5, position: 3, etaSeconds: 95 });
      await status.getByText("Your server is number 3 in the queue. Expected wait: about 2 min.").waitFor();
      expect(await course.getByRole("button", { name: "Start week 2" }).isDisabled()).toBe(true);
      if (dir) await page.screenshot({ path: `${dir}/aula-dashboard-queued.png`, fullPage: true });

      await stack.db.server.update({ where: { id: server.id }, data: { status: "STARTING", startedAt: new Date() } });
      await publish({ serverId: server.id, phase: "waiting", message: "Waiting for Jupyter to answer…", progress: 80 });
      await status.getByText("Waiting for Jupyter to answer…").waitFor();

      await stack.db.server.update({ where: { id: server.id }, data: { status: "RUNNING", readyAt: new Date() } });
      await publish({ serverId: server.id, phase: "ready", message: "Your server is ready.", progress: 100 });
      const open = page.getByRole("link", { name: "Open Jupyter" });
      await open.waitFor();
      expect(await open.getAttribute("href")).toBe(`/user/${student.username}/`);
      expect(await status.innerText()).toContain("Your server is running.");
      expect(await page.getByRole("progressbar").count()).toBe(0);
      if (dir) await page.screenshot({ path: `${dir}/aula-dashboard-running.png`, fullPage: true });

      // Stop: the API marks it stopping (the worker would remove the container), then stopped.
      await page.getByRole("button", { name: "Stop server" }).click();
      await status.getByText("Stopping", { exact: true }).waitFor();
      await stack.db.server.update({ where: { id: server.id }, data: { status: "STOPPED", stoppedAt: new Date() } });
      await status.getByText("Stopped by you.").waitFor();
      expect(await open.count()).toBe(0);
      expect(await course.getByRole("button", { name: "Start week 1" }).isEnabled()).toBe(true);
      if (dir) await page.screenshot({ path: `${dir}/aula-dashboard-stopped.png`, fullPage: true });

      // A server stopped elsewhere (the culler, another tab) shows up through the light polling.
      await stack.db.server.update({ where: { id: server.id }, data: { status: "FAILED", stopReason: null, failureReason: "Jupyter did not answer within 90 s." } });
      await status.getByText("Jupyter did not answer within 90 s.").waitFor({ timeout: 10_000 });
      expect(await status.innerText()).toContain("Failed");
    } finally {
      await context.close();
    }
  });

  it("shows the API's message when a start is refused", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      const course = page.getByRole("region", { name: courseTitle });
      const start = course.getByRole("button", { name: "Start week 2" });
      await start.waitFor();
      // The course allows no server: a refusal the page cannot predict, worded by the API.
      const row = await stack.db.course.findUniqueOrThrow({ where: { slug: "pytorch-zth" }, include: { quotaPolicy: true } });
      await stack.db.quotaPolicy.update({ where: { id: row.quotaPolicy!.id }, data: { maxServers: 0 } });
      try {
        await start.click();
        await errorOn(page).waitFor();
        expect(await errorOn(page).innerText()).toBe("Your course does not allow servers right now. Ask your instructor.");
      } finally {
        await stack.db.quotaPolicy.update({ where: { id: row.quotaPolicy!.id }, data: { maxServers: 1 } });
      }
    } finally {
      await context.close();
    }
  });

  it("follows a starting server on the start page and goes on to ?next= once it is ready", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      await page.getByRole("region", { name: courseTitle }).getByRole("button", { name: "Start week 1" }).click();
      await page.getByRole("button", { name: "Stop server" }).waitFor();
      const server = await stack.db.server.findFirstOrThrow({ where: { user: { username: student.username }, status: "QUEUED" } });

      // A portal path as next, so the test needs no Jupyter behind /user/.
      await page.goto(`/spawn/${student.username}?next=${encodeURIComponent("/account")}`);
      await page.getByRole("progressbar").waitFor();
      await publish({ serverId: server.id, phase: "creating", message: "Creating your container…", progress: 40 });
      await page.getByRole("status").getByText("Creating your container…").waitFor();
      if (screenshotDir()) await page.screenshot({ path: `${screenshotDir()}/aula-spawn-starting.png`, fullPage: true });
      await stack.db.server.update({ where: { id: server.id }, data: { status: "RUNNING", startedAt: new Date(), readyAt: new Date() } });
      await publish({ serverId: server.id, phase: "ready", message: "Your server is ready.", progress: 100 });
      await page.waitForURL((url) => url.pathname === "/account");

      // An unsafe next is never followed: the server's own URL is used instead.
      await stack.db.server.update({ where: { id: server.id }, data: { status: "STOPPED", stoppedAt: new Date(), stopReason: "Stopped after 2 hours without activity." } });
      await page.goto(`/spawn/${student.username}?next=${encodeURIComponent("//evil.example/")}`);
      await page.getByRole("status").getByText("Stopped after 2 hours without activity.").waitFor();
      expect(await page.getByText("evil.example").count()).toBe(0);
      await page.getByRole("link", { name: "Go to your dashboard to start it again" }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("keeps another student off someone's start page", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto(`/login?next=${encodeURIComponent(`/spawn/${student.username}`)}`);
      await signIn(page, instructor);
      await page.waitForURL((url) => url.pathname === `/spawn/${student.username}`);
      await page.getByRole("heading", { name: "Not available to your account" }).waitFor();
      expect(await page.getByRole("status").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("shows an instructor, on the dashboard, every week of the course they teach with its release state", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/dashboard");
      await signIn(page, instructor);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      await page.getByText("Your courses, as your students see them").waitFor();
      const course = page.getByRole("region", { name: courseTitle });
      await course.getByText("Not yet").waitFor();
      expect(await course.innerText()).toContain("You teach this course");
      await page.getByRole("status").getByText("You have no server running.").waitFor();
      expect(await course.getByRole("button", { name: "Start week 1" }).isEnabled()).toBe(true);
      expect(await course.getByRole("button", { name: "Start week 5" }).isDisabled()).toBe(true);
      if (screenshotDir()) await page.screenshot({ path: `${screenshotDir()}/aula-dashboard-instructor.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });
});
