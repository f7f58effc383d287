import { randomBytes } from "node:crypto";
import { createCourseWithWeeks, createPublishedEnvironment, enrollTestUser } from "@aula/domain/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { openTab, screenshotDir, signIn } from "./session";
import { newestPythonImage } from "@aula/docker/testing";
import { startStack, type Stack, type TestUser } from "./stack";

// The GPU board with the real worker and simulated GPUs (AULA_GPUS=sim:2xH100-80GB): three
// students ask for a GPU on a week whose environment allows one, two hold the two GPUs and the
// third waits; the admin watches /admin/gpus, one holder stops, and the board shows the waiting
// student holding the freed GPU. Containers are real (the published python image) but get no
// GPU device. Needs Docker and the image built by `./aula env build python`.

const SPAWN_TIMEOUT_MS = 120_000;

/** An API call from inside the admin's page: the session cookie, and the CSRF token on writes. */
async function apiFromPage(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const me = (await (await fetch("/api/v1/me")).json()) as { csrfToken: string };
      const response = await fetch(`/api/v1${path}`, {
        method,
        headers: body === undefined ? { "X-Aula-CSRF": me.csrfToken } : { "Content-Type": "application/json", "X-Aula-CSRF": me.csrfToken },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as unknown };
    },
    { method, path, body },
  );
}

describe("the GPU board", () => {
  let stack: Stack;
  let browser: Browser;
  let admin: TestUser;
  const students: TestUser[] = [];
  const tag = randomBytes(3).toString("hex");
  const slug = `gpu-e2e-${tag}`;

  beforeAll(async () => {
    const image = newestPythonImage();
    stack = await startStack({ worker: true, workerEnv: { AULA_GPUS: "sim:2xH100-80GB", AULA_ADMISSION_EVERY_S: "1" } });
    browser = await launchBrowser();
    admin = await stack.createUser({ username: `e2e-adm-${tag}`, displayName: "Ada Admin", role: "admin" });
    for (const n of [1, 2, 3]) students.push(await stack.createUser({ username: `e2e-gpu${n}-${tag}`, displayName: `Gpu Student ${n}`, role: "student" }));

    // The worker registers docker/environments/* at start; publish the real image on the python
    // row (as a finished build would), allow a GPU, and keep the limits small.
    const registered = await stack.db.environment.findUnique({ where: { name: "python" } });
    const environment = registered ?? (await createPublishedEnvironment(stack.db, { name: "python", image }));
    await stack.db.environment.update({
      where: { id: environment.id },
      data: { publishedImage: image, publishedAt: new Date(), gpu: "OPTIONAL", gpuShare: 1, defaultCpus: 0.5, defaultMemoryMb: 768, defaultShmMb: 64 },
    });
    const course = await createCourseWithWeeks(stack.db, { environmentId: environment.id, weeks: 1, released: 1, slug });
    await stack.db.course.update({ where: { id: course.id }, data: { title: "Deep Learning GPU" } });
    for (const user of students) {
      const row = await stack.db.user.findUniqueOrThrow({ where: { username: user.username } });
      await enrollTestUser(stack.db, { courseId: course.id, userId: row.id });
    }
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 120_000);

  it("shows a live class of simulated GPU students: two holders, one waiting, then the waiting one holds the freed GPU", async () => {
    const { context, page } = await openTab(browser, stack);
    const dir = screenshotDir();
    try {
      await page.goto("/login?next=/admin/gpus");
      await signIn(page, admin);
      await page.waitForURL((url) => url.pathname === "/admin/gpus");
      await page.getByText("Live.").waitFor();

      // Both simulated GPUs are on the board before anyone asks.
      const devices = page.getByRole("region", { name: "Devices" });
      const gpu0 = devices.getByRole("article", { name: /^GPU 0: / });
      const gpu1 = devices.getByRole("article", { name: /^GPU 1: / });
      await gpu0.waitFor();
      await gpu1.waitFor();
      for (const gpu of [gpu0, gpu1]) {
        const text = await gpu.innerText();
        expect(text).toContain("simulated");
        expect(text).toContain("H100");
      }
      await page.getByText("Simulated GPUs").waitFor();

      // Three students ask for a GPU, one after the other (as an admin may, on their behalf).
      for (const student of students) {
        const answer = await apiFromPage(page, "POST", `/users/${student.username}/server`, { course: slug, week: 1, gpu: "required" });
        expect(answer.status, JSON.stringify(answer.json)).toBe(202);
      }

      // Two hold the GPUs, the third waits in the queue.
      const queue = page.getByRole("region", { name: "Queue" });
      const holderOf = async (): Promise<{ holders: string[]; waiting: string[] }> => {
        const gpuText = (await gpu0.innerText()) + "\n" + (await gpu1.innerText());
        const queueText = await queue.innerText();
        return {
          holders: students.map((s) => s.username).filter((u) => gpuText.includes(u)),
          waiting: students.map((s) => s.username).filter((u) => queueText.includes(u)),
        };
      };
      let state = await holderOf();
      const deadline = Date.now() + SPAWN_TIMEOUT_MS;
      while (!(state.holders.length === 2 && state.waiting.length === 1)) {
        if (Date.now() > deadline) throw new Error(`the board never showed two holders and one waiting: ${JSON.stringify(state)}\n--- worker ---\n${stack.output("worker").slice(-4000)}`);
        await page.waitForTimeout(500);
        state = await holderOf();
      }
      expect(state.holders).not.toContain(state.waiting[0]);
      expect(await gpu0.innerText()).toContain("simulated");
      expect(await gpu1.innerText()).toContain("simulated");
      expect(await queue.innerText()).toContain("Deep Learning GPU");
      if (dir) await page.screenshot({ path: `${dir}/aula-gpu-board-queue.png`, fullPage: true });

      // One holder stops; the freed GPU goes to the waiting student, and the board follows live.
      const leaving = state.holders[0]!;
      const waiting = state.waiting[0]!;
      const stopped = await apiFromPage(page, "DELETE", `/users/${leaving}/server`);
      expect(stopped.status, JSON.stringify(stopped.json)).toBe(202);
      const deadline2 = Date.now() + SPAWN_TIMEOUT_MS;
      for (;;) {
        state = await holderOf();
        if (state.holders.includes(waiting) && !state.holders.includes(leaving) && state.waiting.length === 0) break;
        if (Date.now() > deadline2) throw new Error(`the waiting student never got the freed GPU: ${JSON.stringify(state)}\n--- worker ---\n${stack.output("worker").slice(-4000)}`);
        await page.waitForTimeout(500);
      }
      await queue.getByText("Nobody is waiting for a GPU.").waitFor();
      expect(state.holders).toHaveLength(2);
      if (dir) await page.screenshot({ path: `${dir}/aula-gpu-board-handover.png`, fullPage: true });
    } finally {
      await context.close();
    }
  }, 300_000);
});
