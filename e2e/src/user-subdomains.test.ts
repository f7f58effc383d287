import { randomBytes } from "node:crypto";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { screenshotDir, signIn } from "./session";
import { createNotebook, notebookUrl, runCellIn } from "./jupyter";
import { newestPythonImage } from "@aula/docker/testing";
import { startStack, type Stack, type TestUser } from "./stack";

// Per-user subdomain mode in a real Chromium, which resolves every *.localhost name to loopback:
// the portal at aula.localhost:<port>, each student's Jupyter at <name>.aula.localhost:<port>, a
// real worker spawning the python environment image. The student signs in on the portal, opens
// Jupyter on its own origin (signed in there by the one-time code flow), and runs a cell; the
// portal's cookie never reaches that origin and the page there cannot read the portal's API;
// another student is turned away. Needs Docker and `./aula env build python`.

const SPAWN_TIMEOUT_MS = 120_000;
const DOMAIN = "aula.localhost";

/**
 * A fresh context that may reach the portal and the user subdomains of this stack and nothing
 * else (this workplace allows loopback only; other origins are aborted, never sent).
 */
async function openSubdomainTab(browser: Browser, portal: string): Promise<{ context: BrowserContext; page: Page; blocked: string[] }> {
  const context = await browser.newContext({ baseURL: portal, viewport: { width: 1280, height: 860 } });
  const { port } = new URL(portal);
  const blocked: string[] = [];
  await context.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    const ours = url.port === port && url.protocol === "http:" && (url.hostname === DOMAIN || url.hostname.endsWith(`.${DOMAIN}`));
    if (ours) await route.continue();
    else {
      blocked.push(url.href);
      await route.abort("blockedbyclient");
    }
  });
  context.setDefaultTimeout(15_000);
  return { context, page: await context.newPage(), blocked };
}

describe("per-user subdomains in Chromium (*.localhost)", () => {
  let stack: Stack;
  let browser: Browser;
  let student: TestUser;
  let other: TestUser;
  let instructor: TestUser;
  let slug: string;
  let portal: string;
  let serverOrigin: string;
  const courseTitle = "Subdomains (e2e)";

  beforeAll(async () => {
    const image = newestPythonImage();
    const gatewayPort = Number(process.env.AULA_E2E_GATEWAY_PORT ?? 18000);
    portal = `http://${DOMAIN}:${gatewayPort}`;
    // Only this file turns the mode on; every other e2e file runs with servers under /user/.
    stack = await startStack({ worker: true, env: { AULA_PUBLIC_URL: portal, AULA_USER_DOMAIN: DOMAIN } });
    browser = await launchBrowser();
    const tag = randomBytes(3).toString("hex");
    student = await stack.createUser({ username: `e2e-sub-${tag}`, displayName: "Sub Student", role: "student" });
    other = await stack.createUser({ username: `e2e-oth-${tag}`, displayName: "Other Student", role: "student" });
    instructor = await stack.createUser({ username: `e2e-ins-${tag}`, displayName: "Iris Instructor", role: "instructor" });
    serverOrigin = `http://${student.username}.${DOMAIN}:${gatewayPort}`;

    const registered = await stack.db.environment.findUnique({ where: { name: "python" } });
    const environment = registered ?? (await createPublishedEnvironment(stack.db, { name: "python", image }));
    await stack.db.environment.update({
      where: { id: environment.id },
      data: { publishedImage: image, publishedAt: new Date(), defaultCpus: 1, defaultMemoryMb: 1024, defaultShmMb: 256 },
    });
    slug = `subdomains-e2e-${tag}`;
    const course = await createCourseWithWeeks(stack.db, { environmentId: environment.id, weeks: 1, released: 1, slug });
    await stack.db.course.update({ where: { id: course.id }, data: { title: courseTitle } });
    for (const user of [student, other]) {
      const row = await stack.db.user.findUniqueOrThrow({ where: { username: user.username } });
      await enrollTestUser(stack.db, { courseId: course.id, userId: row.id });
    }
    const teacher = await stack.db.user.findUniqueOrThrow({ where: { username: instructor.username } });
    await enrollTestUser(stack.db, { courseId: course.id, userId: teacher.id, role: "INSTRUCTOR" });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it("opens the student's Jupyter on its own origin, without the portal's cookie, and runs a cell", async () => {
    const { context, page, blocked } = await openSubdomainTab(browser, portal);
    const dir = screenshotDir();
    const name = student.username;
    /** Cookie headers Chromium actually sent to the student's origin. */
    const sentToServer: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).origin !== serverOrigin) return;
      void request.allHeaders().then((headers) => sentToServer.push(headers.cookie ?? ""));
    });
    try {
      await page.goto("/login");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      expect((await context.cookies(portal)).map((c) => c.name)).toContain("aula_session");

      const course = page.getByRole("region", { name: courseTitle });
      await course.getByRole("button", { name: "Start week 1" }).click();
      const open = page.getByRole("link", { name: "Open Jupyter" });
      const failed = page.locator('[role="status"][data-status="failed"]');
      await open.or(failed).first().waitFor({ timeout: SPAWN_TIMEOUT_MS });
      if ((await failed.count()) > 0) throw new Error(`The server failed: ${await page.getByRole("status").innerText()}\n--- worker ---\n${stack.output("worker")}`);

      // The portal links straight to the server's own origin (the api gives that url).
      expect(await open.getAttribute("href")).toBe(`${serverOrigin}/user/${name}/`);
      await open.click();
      // Through the portal's authorize route and the subdomain's callback, into the file browser.
      await page.waitForURL((url) => url.origin === serverOrigin && url.pathname.startsWith(`/user/${name}/tree`), { timeout: 30_000 });
      await page.locator("#notebook_list").waitFor();
      if (dir) await page.screenshot({ path: `${dir}/aula-subdomain-tree.png`, fullPage: true });

      // Each origin has its own cookie: the portal's is host-only on aula.localhost.
      const serverCookies = (await context.cookies(`${serverOrigin}/user/${name}/`)).map((c) => c.name);
      expect(serverCookies).toContain("aula_server");
      expect(serverCookies).not.toContain("aula_session");
      expect((await context.cookies(`${portal}/dashboard`)).map((c) => c.name)).not.toContain("aula_server");
      expect(sentToServer.length).toBeGreaterThan(0);
      for (const cookie of sentToServer) expect(cookie).not.toContain("aula_session");
      // Neither cookie is readable by the page's JavaScript.
      expect(await page.evaluate(() => document.cookie)).not.toMatch(/aula_(server|session)/);

      // The student's page cannot read the portal's API, csrf token included: the portal is
      // another origin and answers with no CORS headers, and this origin serves no API.
      const attempt = await page.evaluate(async (portalOrigin) => {
        const results: Record<string, string> = {};
        try {
          const response = await fetch(`${portalOrigin}/api/v1/me`, { credentials: "include" });
          results.crossOrigin = `read ${response.status}: ${await response.text()}`;
        } catch (error) {
          results.crossOrigin = `refused: ${String(error)}`;
        }
        const own = await fetch("/api/v1/me", { credentials: "include" });
        results.sameOrigin = `${own.status} ${await own.text()}`;
        return results;
      }, portal);
      expect(attempt.crossOrigin).toMatch(/^refused: TypeError/);
      expect(attempt.sameOrigin).toMatch(/^404 /);
      expect(attempt.sameOrigin).not.toContain("csrfToken");

      // A cell runs: the kernel WebSocket goes to the subdomain with its own cookie.
      const created = await createNotebook(page, `/user/${name}/`);
      expect(created.status, `${JSON.stringify(created.body)}\n--- gateway ---\n${stack.output("gateway")}`).toBe(201);
      await runCellIn(page, `${serverOrigin}${notebookUrl(`/user/${name}/`, created.path)}`, "6*7", /^\s*42\s*$/);
      if (dir) await page.screenshot({ path: `${dir}/aula-subdomain-cell.png`, fullPage: true });
      expect(blocked).toEqual([]);
    } finally {
      await context.close();
    }
  }, 300_000);

  it("turns another student away from that origin", async () => {
    const { context, page } = await openSubdomainTab(browser, portal);
    const name = student.username;
    try {
      await page.goto("/login");
      await signIn(page, other);
      await page.waitForURL((url) => url.pathname === "/dashboard");

      // Straight to the student's address: the portal's authorize route refuses to issue a code.
      const response = await page.goto(`${serverOrigin}/user/${name}/tree`);
      expect(response?.status()).toBe(404);
      expect(new URL(page.url()).origin).toBe(portal);
      expect(await page.locator("body").innerText()).toContain("not_found");
      expect((await context.cookies(`${serverOrigin}/user/${name}/`)).map((c) => c.name)).not.toContain("aula_server");
      expect(await page.locator("#notebook_list").count()).toBe(0);

      // The portal host does not serve /user/ any more: it sends the browser to the subdomain.
      const viaPortal = await page.goto(`/user/${name}/tree`);
      expect(viaPortal?.status()).toBe(404);
      expect(await page.locator("#notebook_list").count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  // Runs after the first test, whose server is still running.
  it("opens the student's server for their instructor through the audited grant, on the student's origin", async () => {
    const { context, page } = await openSubdomainTab(browser, portal);
    const name = student.username;
    try {
      await page.goto("/login");
      await signIn(page, instructor);
      await page.waitForURL((url) => url.pathname !== "/login");
      await page.goto(`/courses/${slug}`);
      const students = page.getByRole("region", { name: "Students" });
      await students.getByText(name).waitFor();
      const popup = context.waitForEvent("page");
      await students.getByRole("button", { name: `Open ${name}'s server` }).click();
      const jupyter = await popup;
      await jupyter.waitForURL((url) => url.origin === serverOrigin && url.pathname.startsWith(`/user/${name}/tree`), { timeout: 30_000 });
      await jupyter.locator("#notebook_list").waitFor();
      const names = (await context.cookies(`${serverOrigin}/user/${name}/`)).map((c) => c.name);
      expect(names).toContain("aula_server");
      expect(names).not.toContain("aula_session");
      const audit = await stack.db.auditEvent.findFirst({ where: { action: "server.access_grant", actor: { username: instructor.username } } });
      expect(audit).not.toBeNull();
    } finally {
      await context.close();
    }
  });
});
