import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { here, openTab, screenshotDir, signIn } from "./session";
import { createNotebook, notebookUrl, runCellIn } from "./jupyter";
import { newestPythonImage } from "@aula/docker/testing";
import { startStack, type Stack, type TestUser } from "./stack";

// The whole spawn path with a real container: the student starts week 1 from the dashboard, the
// worker spawns the published python environment image, the gateway serves Jupyter Notebook 6,
// a cell runs, and Stop brings the dashboard to "Stopped by you.". Needs Docker and the image
// built by `./aula env build python`; never pulls or builds one itself.

const run = promisify(execFile);
const SPAWN_TIMEOUT_MS = 120_000;

async function containerExists(name: string): Promise<boolean> {
  const { stdout } = await run("docker", ["ps", "-aq", "--filter", `name=^${name}$`, "--filter", "label=aula.server"], { timeout: 30_000 });
  return stdout.trim() !== "";
}

/** Records in the page whether a progress bar was ever shown, however briefly. */
async function watchForProgressBar(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __sawProgress?: boolean };
    w.__sawProgress = document.querySelector('[role="progressbar"], progress') !== null;
    new MutationObserver(() => {
      if (document.querySelector('[role="progressbar"], progress')) w.__sawProgress = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
}

async function sawProgressBar(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __sawProgress?: boolean }).__sawProgress === true);
}

describe("a student's own Jupyter server, started and stopped from the dashboard", () => {
  let stack: Stack;
  let browser: Browser;
  let student: TestUser;
  let other: TestUser;
  const courseTitle = "PyTorch Zero to Hero (e2e)";
  let envTitle = "";

  beforeAll(async () => {
    const image = newestPythonImage();
    stack = await startStack({ worker: true });
    browser = await launchBrowser();
    // Random usernames: container names (aula-<username>) are global on the Docker host.
    const tag = randomBytes(3).toString("hex");
    student = await stack.createUser({ username: `e2e-stu-${tag}`, displayName: "Bea Student", role: "student" });
    other = await stack.createUser({ username: `e2e-oth-${tag}`, displayName: "Otto Other", role: "student" });

    // The worker registers docker/environments/* at start; publish the real image on that row
    // (as a finished build would), with limits that fit a small test machine.
    const registered = await stack.db.environment.findUnique({ where: { name: "python" } });
    const environment = registered ?? (await createPublishedEnvironment(stack.db, { name: "python", image }));
    const published = await stack.db.environment.update({
      where: { id: environment.id },
      data: { publishedImage: image, publishedAt: new Date(), defaultCpus: 1, defaultMemoryMb: 1024, defaultShmMb: 256 },
    });
    envTitle = published.title;
    const course = await createCourseWithWeeks(stack.db, { environmentId: environment.id, weeks: 2, released: 1, slug: `pytorch-e2e-${tag}` });
    await stack.db.course.update({ where: { id: course.id }, data: { title: courseTitle } });
    await stack.db.week.updateMany({ where: { courseId: course.id, number: 1 }, data: { title: "Python basics" } });
    for (const user of [student, other]) {
      const row = await stack.db.user.findUniqueOrThrow({ where: { username: user.username } });
      await enrollTestUser(stack.db, { courseId: course.id, userId: row.id });
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    // Stops the worker first, then removes aula-<username> containers and the users' volumes.
    await stack?.stop();
  }, 120_000);

  it("starts week 1, runs 1+1 in a notebook, and stops with the reason shown", async () => {
    const { context, page } = await openTab(browser, stack);
    const dir = screenshotDir();
    const name = student.username;
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");

      // Week 1 is released with its environment; week 2 is not, so a student does not see it.
      const course = page.getByRole("region", { name: courseTitle });
      await course.getByText("Python basics").waitFor();
      expect(await course.innerText()).toContain(envTitle);
      expect(await course.getByRole("button", { name: "Start week 2" }).count()).toBe(0);
      const status = page.getByRole("status");
      await status.getByText("You have no server running.").waitFor();
      const start = course.getByRole("button", { name: "Start week 1" });
      expect(await start.isEnabled()).toBe(true);

      await watchForProgressBar(page);
      await start.click();
      await page.getByRole("progressbar").or(page.getByRole("link", { name: "Open Jupyter" })).first().waitFor();
      if (dir) await page.screenshot({ path: `${dir}/aula-server-starting.png`, fullPage: true });

      const open = page.getByRole("link", { name: "Open Jupyter" });
      const failed = page.locator('[role="status"][data-status="failed"]');
      const notReady = async (cause?: unknown) =>
        new Error(`The server did not become ready. Status: ${await status.innerText().catch(() => "?")}\n--- worker ---\n${stack.output("worker")}`, { cause });
      try {
        await open.or(failed).first().waitFor({ timeout: SPAWN_TIMEOUT_MS });
      } catch (error) {
        throw await notReady(error);
      }
      if ((await failed.count()) > 0) throw await notReady();
      expect(await sawProgressBar(page)).toBe(true);
      expect(await status.innerText()).toContain("Running");
      // One server at a time: every Start is disabled while it runs.
      expect(await start.isDisabled()).toBe(true);
      expect(await page.getByRole("button", { name: "Stop server" }).isEnabled()).toBe(true);
      if (dir) await page.screenshot({ path: `${dir}/aula-server-running.png`, fullPage: true });

      // Same tab, through the gateway, into Jupyter Notebook 6's file browser.
      expect(await open.getAttribute("href")).toBe(`/user/${name}/`);
      await open.click();
      await page.waitForURL((url) => url.pathname.startsWith(`/user/${name}/tree`), { timeout: 30_000 });
      await page.locator("#notebook_list").waitFor();

      // A new notebook through Jupyter's REST API (token-authenticated by the gateway; the
      // _xsrf cookie is sent too, for a Jupyter that wants it), opened in the classic UI.
      const created = await createNotebook(page, `/user/${name}/`);
      expect(created.status, `${JSON.stringify(created.body)}\n--- gateway ---\n${stack.output("gateway")}`).toBe(201);
      expect(created.path).toMatch(/\.ipynb$/);
      await runCellIn(page, notebookUrl(`/user/${name}/`, created.path), "1+1", /^\s*2\s*$/);

      // Back to the portal: Stop, and the reason the API recorded.
      await page.goto("/dashboard");
      const stop = page.getByRole("button", { name: "Stop server" });
      await stop.click();
      await status.getByText("Stopped by you.").waitFor({ timeout: 60_000 });
      expect(await status.innerText()).toContain("Stopped");
      expect(await page.getByRole("link", { name: "Open Jupyter" }).count()).toBe(0);
      expect(await page.getByRole("region", { name: courseTitle }).getByRole("button", { name: "Start week 1" }).isEnabled()).toBe(true);
      if (dir) await page.screenshot({ path: `${dir}/aula-server-stopped.png`, fullPage: true });

      // The container is gone (its volumes stay until teardown).
      const deadline = Date.now() + 30_000;
      while ((await containerExists(`aula-${name}`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      expect(await containerExists(`aula-${name}`)).toBe(false);
    } finally {
      await context.close();
    }
  }, 300_000);

  it("sends the owner of a stopped server from /user/<name>/ to the start page, which says why it stopped", async () => {
    const { context, page } = await openTab(browser, stack);
    const name = student.username;
    try {
      await page.goto(`/login?next=${encodeURIComponent(`/user/${name}/tree`)}`);
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === `/spawn/${name}`);
      expect(here(page)).toBe(`/spawn/${name}?next=${encodeURIComponent(`/user/${name}/tree`)}`);
      const status = page.getByRole("status");
      await status.getByText("Stopped by you.").waitFor();
      await page.getByRole("link", { name: "Go to your dashboard to start it again" }).waitFor();
    } finally {
      await context.close();
    }
  });

  it("follows a starting server on the start page and goes on to ?next= when it is ready", async () => {
    const { context, page } = await openTab(browser, stack);
    const name = student.username;
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      await page.getByRole("region", { name: courseTitle }).getByRole("button", { name: "Start week 1" }).click();
      await page.getByRole("button", { name: "Stop server" }).waitFor();

      await page.goto(`/spawn/${name}?next=${encodeURIComponent(`/user/${name}/tree`)}`);
      try {
        await page.waitForURL((url) => url.pathname === `/user/${name}/tree`, { timeout: SPAWN_TIMEOUT_MS });
      } catch (error) {
        const shown = await page.locator("main").innerText().catch(() => "?");
        throw new Error(`The start page did not go on to Jupyter. It shows:\n${shown}\n--- worker ---\n${stack.output("worker")}`, { cause: error });
      }
      await page.locator("#notebook_list").waitFor();

      await page.goto("/dashboard");
      await page.getByRole("button", { name: "Stop server" }).click();
      await page.getByRole("status").getByText("Stopped by you.").waitFor({ timeout: 60_000 });
    } finally {
      await context.close();
    }
  }, 300_000);

  it("does not show one student's server to another", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto(`/login?next=${encodeURIComponent(`/spawn/${student.username}`)}`);
      await signIn(page, other);
      await page.waitForURL((url) => url.pathname === `/spawn/${student.username}`);
      await page.getByRole("heading", { name: "Not available to your account" }).waitFor();
      expect(await page.getByText("Stopped by you.").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
