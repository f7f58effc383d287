import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { errorOn, openTab, screenshotDir, signIn } from "./session";
import { newestPythonImage, readTarGz } from "@aula/docker/testing";
import { startStack, type Stack, type TestUser } from "./stack";

// An instructor runs a week end to end in real browsers: creates a course, picks week 2's
// environment, uploads a notebook into 1-teoria and an exercise into 2-practicas, releases the
// week and enrolls a student; the student starts week 2 and finds both files in Jupyter; the
// instructor collects the week and downloads an archive holding the student's own file.
// Needs Docker and the python image (`./aula env build python`); never builds or pulls one.

const SPAWN_TIMEOUT_MS = 120_000;

/** Jupyter's contents API through the gateway, from inside the page (cookie + _xsrf). */
async function jupyter(page: Page, base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return page.evaluate(
    async ({ base, method, path, body }) => {
      const xsrf = /(?:^|;\s*)_xsrf=([^;]+)/.exec(document.cookie)?.[1];
      const response = await fetch(`${base}api/contents/${path}`, {
        method,
        headers: { "Content-Type": "application/json", ...(xsrf ? { "X-XSRFToken": decodeURIComponent(xsrf) } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as unknown };
    },
    { base, method, path, body },
  );
}

const notebook = (text: string) => JSON.stringify({ cells: [{ cell_type: "markdown", metadata: {}, source: [text] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });

describe("an instructor runs week 2 of a course", () => {
  let stack: Stack;
  let browser: Browser;
  let instructor: TestUser;
  let student: TestUser;
  const tag = randomBytes(3).toString("hex");
  const slug = `bootcamp-${tag}`;
  const courseTitle = `PyTorch e2e ${tag}`;

  beforeAll(async () => {
    const image = newestPythonImage();
    stack = await startStack({ worker: true });
    browser = await launchBrowser();
    instructor = await stack.createUser({ username: `e2e-ins-${tag}`, displayName: "Iris Instructor", role: "instructor" });
    student = await stack.createUser({ username: `e2e-stu-${tag}`, displayName: "Bea Student", role: "student" });
    // The worker registers docker/environments/* at start; publish the real image on the python
    // row (as a finished build would) with limits that fit a small test machine.
    const env = await stack.db.environment.findUniqueOrThrow({ where: { name: "python" } });
    await stack.db.environment.update({ where: { id: env.id }, data: { publishedImage: image, publishedAt: new Date(), defaultCpus: 1, defaultMemoryMb: 1024, defaultShmMb: 256 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it("releases week 2 with a notebook, the student finds it in 1-teoria and 2-practicas, and the instructor collects their work", async () => {
    const dir = screenshotDir();
    const teacher = await openTab(browser, stack);
    const pupil = await openTab(browser, stack);
    const page = teacher.page;
    try {
      // --- The instructor creates the course and prepares week 2.
      await page.goto("/login");
      await signIn(page, instructor);
      await page.waitForURL((url) => url.pathname === "/courses");
      await page.getByLabel("Title").fill(courseTitle);
      await page.getByLabel("Address").fill(slug);
      await page.getByLabel("Weeks", { exact: true }).selectOption("empty");
      await page.getByLabel("Number of weeks").fill("2");
      await page.getByRole("button", { name: "Create course" }).click();
      await page.waitForURL((url) => url.pathname === `/courses/${slug}`);
      await page.getByRole("heading", { name: courseTitle }).waitFor();

      const chosen = page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().endsWith(`/courses/${slug}/weeks/2`));
      await page.getByLabel("Environment for week 2").selectOption("python");
      expect((await chosen).status()).toBe(200);

      await page.getByRole("button", { name: "Materials of week 2" }).click();
      const materials = page.getByRole("group", { name: "Materials of week 2" });
      await materials.getByLabel("Put into").selectOption("teoria");
      await materials.getByLabel("Files for week 2").setInputFiles({ name: "intro.ipynb", mimeType: "application/x-ipynb+json", buffer: Buffer.from(notebook("Semana 2: tensores")) });
      await materials.getByRole("button", { name: "Upload" }).click();
      await materials.getByText("intro.ipynb uploaded.").waitFor();
      await materials.getByLabel("Put into").selectOption("practicas");
      await materials.getByLabel("Files for week 2").setInputFiles({ name: "ejercicio.ipynb", mimeType: "application/x-ipynb+json", buffer: Buffer.from(notebook("Ejercicio 2")) });
      await materials.getByRole("button", { name: "Upload" }).click();
      await materials.getByText("ejercicio.ipynb uploaded.").waitFor();
      // A solution is refused with the course's .dockerignore rule, and nothing is stored.
      await materials.getByLabel("Folder (optional)").fill("solution");
      await materials.getByLabel("Files for week 2").setInputFiles({ name: "answers.ipynb", mimeType: "application/x-ipynb+json", buffer: Buffer.from(notebook("secret")) });
      await materials.getByRole("button", { name: "Upload" }).click();
      await errorOn(page).filter({ hasText: ".dockerignore" }).waitFor();
      expect(await materials.getByRole("cell", { name: "intro.ipynb", exact: true }).count()).toBe(1);
      expect(await materials.getByRole("cell", { name: "ejercicio.ipynb", exact: true }).count()).toBe(1);
      expect(await materials.getByText("answers.ipynb").count()).toBe(0);

      await page.getByRole("button", { name: "Release week 2 now" }).click();
      await page.getByTestId("week-2-state").filter({ hasText: "Released" }).waitFor();
      expect(await page.getByTestId("week-1-state").innerText()).toBe("Not released");

      await page.getByLabel("Enroll existing students").fill(student.username);
      await page.getByRole("button", { name: "Enroll", exact: true }).click();
      await page.getByText("1 enrolled.").waitFor();
      if (dir) await page.screenshot({ path: `${dir}/aula-instructor-course.png`, fullPage: true });

      // --- The student starts week 2 and finds the files.
      const s = pupil.page;
      await s.goto("/login");
      await signIn(s, student);
      await s.waitForURL((url) => url.pathname === "/dashboard");
      const course = s.getByRole("region", { name: courseTitle });
      expect(await course.getByRole("button", { name: "Start week 1" }).count()).toBe(0);
      await course.getByRole("button", { name: "Start week 2" }).click();
      const open = s.getByRole("link", { name: "Open Jupyter" });
      try {
        await open.waitFor({ timeout: SPAWN_TIMEOUT_MS });
      } catch (error) {
        throw new Error(`The server did not become ready.\n--- worker ---\n${stack.output("worker")}`, { cause: error });
      }
      const base = `/user/${student.username}/`;
      // Through the gateway as soon as the route is known, then in Jupyter's own file browser.
      const deadline = Date.now() + 30_000;
      while ((await jupyter(s, base, "GET", "1-teoria")).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      await s.goto(`${base}tree/1-teoria`);
      try {
        await s.locator("#notebook_list").getByText("intro.ipynb").waitFor({ timeout: 30_000 });
      } catch (error) {
        const listing = await jupyter(s, base, "GET", "1-teoria");
        throw new Error(`intro.ipynb is not in the file browser at ${s.url()}; contents API: ${listing.status} ${JSON.stringify(listing.json).slice(0, 500)}\n--- worker ---\n${stack.output("worker")}`, { cause: error });
      }

      const teoria = await jupyter(s, base, "GET", "1-teoria/intro.ipynb?content=1");
      expect(teoria.status).toBe(200);
      expect(JSON.stringify(teoria.json)).toContain("Semana 2: tensores");
      const practicas = await jupyter(s, base, "GET", "2-practicas/week-02");
      expect(practicas.status).toBe(200);
      expect((practicas.json as { content: { name: string }[] }).content.map((c) => c.name)).toContain("ejercicio.ipynb");
      // 1-teoria is read-only; the student's work goes to 2-practicas.
      const refused = await jupyter(s, base, "PUT", "1-teoria/mine.txt", { type: "file", format: "text", content: "x" });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      const saved = await jupyter(s, base, "PUT", "2-practicas/week-02/mi-solucion.py", { type: "file", format: "text", content: "print('hola')\n" });
      expect(saved.status).toBeLessThan(300);

      // --- The instructor sees the student running and collects week 2.
      await page.reload();
      const students = page.getByRole("region", { name: "Students" });
      await students.getByText(student.username).waitFor();
      expect(await students.innerText()).toMatch(/Running\s*· week 2/);
      await page.getByLabel("What to collect").selectOption("2");
      await page.getByRole("button", { name: "Collect", exact: true }).click();
      const download = page.getByRole("link", { name: /^Download / });
      await download.waitFor({ timeout: 90_000 });
      if (dir) await page.screenshot({ path: `${dir}/aula-instructor-collected.png`, fullPage: true });
      const href = await download.getAttribute("href");
      expect(href).toMatch(new RegExp(`^/api/v1/courses/${slug}/collections/[0-9a-f-]+/download$`));
      const response = await page.request.get(href ?? "");
      expect(response.status()).toBe(200);
      const archive = await response.body();
      expect(archive.length).toBeGreaterThan(0);
      const files = await readTarGz(archive);
      const root = `${slug}-week-02-practicas/${student.username}`;
      expect(files.get(`${root}/mi-solucion.py`)).toBe("print('hola')\n");
      expect(files.has(`${root}/ejercicio.ipynb`)).toBe(true);
    } finally {
      await teacher.context.close();
      await pupil.context.close();
    }
  }, 400_000);
});
