import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { openTab, signIn } from "./session";
import { startStack, type Stack, type TestUser } from "./stack";

// Disk cleanup from the environments page, run by a real worker against the real dockerd. Only
// the build-cache prune is exercised: "remove unused images" judges images by this test's own
// database, where nothing is published, so it would remove the machine's real images.

describe("disk cleanup on the environments page", () => {
  let stack: Stack;
  let browser: Browser;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startStack({ worker: true });
    browser = await launchBrowser();
    admin = await stack.createUser({ username: "ada", displayName: "Ada Admin", role: "admin" });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("prunes the build cache after a confirmation, reports what it freed, and audits it", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/admin/environments");
      await signIn(page, admin);
      const section = page.getByRole("region", { name: "Disk cleanup" });
      await section.waitFor();
      let question = "";
      page.once("dialog", (dialog) => {
        question = dialog.message();
        void dialog.accept();
      });
      await section.getByRole("button", { name: "Prune build cache" }).click();
      await section.getByText(/^Freed \d+(\.\d)? (MB|GB) of build cache\.$/).waitFor({ timeout: 60_000 });
      expect(question).toMatch(/Published images and running servers are not touched/);
      const audit = await stack.db.auditEvent.findMany({ where: { action: "maintenance.requested" } });
      expect(audit.map((a) => a.data)).toEqual([{ action: "prune-build-cache" }]);
    } finally {
      await context.close();
    }
  });

  it("asks again before anything runs: dismissing the question queues nothing", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/admin/environments");
      await signIn(page, admin);
      const section = page.getByRole("region", { name: "Disk cleanup" });
      await section.waitFor();
      const before = await stack.db.auditEvent.count({ where: { action: "maintenance.requested" } });
      page.once("dialog", (dialog) => void dialog.dismiss());
      await section.getByRole("button", { name: "Remove unused images" }).click();
      await page.waitForTimeout(500);
      expect(await stack.db.auditEvent.count({ where: { action: "maintenance.requested" } })).toBe(before);
      expect(await section.getByRole("status").count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
