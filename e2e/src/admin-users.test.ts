import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { errorOn, openTab, screenshotDir, signIn, type Tab } from "./session";
import { startStack, type Stack, type TestUser } from "./stack";

describe("the admin users and audit pages", () => {
  let stack: Stack;
  let browser: Browser;
  let admin: TestUser;
  let tab: Tab;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    admin = await stack.createUser({ username: "ada", displayName: "Ada Admin", role: "admin" });
    await stack.createUser({ username: "bea", displayName: "Bea Student", role: "student" });
    await stack.createUser({ username: "ivo", displayName: "Ivo Instructor", role: "instructor" });
    tab = await openTab(browser, stack);
    page = tab.page;
    await page.goto("/login?next=/admin/users");
    await signIn(page, admin);
    await page.waitForURL((url) => url.pathname === "/admin/users");
  });

  afterAll(async () => {
    await tab?.context.close();
    await browser?.close();
    await stack?.stop();
  });

  const rowOf = (username: string) => page.getByRole("row").filter({ has: page.getByRole("cell", { name: username, exact: true }) });

  async function canSignIn(username: string, password: string): Promise<boolean> {
    const other = await openTab(browser, stack);
    try {
      await other.page.goto("/login");
      await signIn(other.page, { username, password });
      const outcome = await Promise.race([
        other.page.waitForURL((url) => url.pathname !== "/login").then(() => true),
        errorOn(other.page).waitFor().then(() => false),
      ]);
      return outcome;
    } finally {
      await other.context.close();
    }
  }

  it("lists users and finds one by name", async () => {
    await rowOf("bea").waitFor();
    await rowOf("ivo").waitFor();
    await page.getByLabel("Search").fill("bea");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText("Bea Student").waitFor();
    await rowOf("ivo").waitFor({ state: "detached" });
    await page.getByLabel("Search").fill("");
    await page.getByRole("button", { name: "Search" }).click();
    await rowOf("ivo").waitFor();
  });

  it("creates a user and shows the generated password once, which then signs them in", async () => {
    const form = page.getByRole("region", { name: "Create a user" });
    await form.getByLabel("Username").fill("carla");
    await form.getByLabel("Display name").fill("Carla Nueva");
    await form.getByLabel("Role").selectOption("student");
    await form.getByRole("button", { name: "Create user" }).click();
    const secret = page.getByTestId("secret-value");
    await secret.waitFor();
    const password = (await secret.innerText()).trim();
    expect(password.length).toBeGreaterThanOrEqual(10);
    await rowOf("carla").waitFor();
    expect(await canSignIn("carla", password)).toBe(true);
    await page.getByRole("button", { name: "Done" }).click();
    await secret.waitFor({ state: "detached" });
  });

  it("disables and re-enables a user", async () => {
    await page.getByRole("button", { name: "Disable bea" }).click();
    await rowOf("bea").getByText("Disabled").waitFor();
    await page.getByRole("button", { name: "Enable bea" }).click();
    await rowOf("bea").getByText("Active").waitFor();
  });

  it("resets a password after confirmation and shows the new one", async () => {
    await page.getByRole("button", { name: "Reset password of ivo" }).click();
    await page.getByRole("button", { name: "Yes, reset the password" }).click();
    const secret = page.getByTestId("secret-value");
    await secret.waitFor();
    const password = (await secret.innerText()).trim();
    expect(await canSignIn("ivo", password)).toBe(true);
    await page.getByRole("button", { name: "Done" }).click();
  });

  it("imports a CSV, reports created and refused rows, and downloads the created ones with passwords", async () => {
    const csv = [
      "username,display name,email,role,course",
      "dora,Dora Import,dora@example.test,student,",
      "eli,Eli Import,,student,",
      "bea,Bea Again,,student,",
      "Bad Name,Bad Name,,student,",
    ].join("\n");
    await page.getByLabel("CSV file").setInputFiles({ name: "class.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import users" }).click();
    await page.getByText("2 users created, 2 rows refused.").waitFor();
    const report = page.locator(".report");
    expect(await report.getByRole("cell", { name: "dora", exact: true }).count()).toBe(1);
    expect(await report.getByRole("cell", { name: "eli", exact: true }).count()).toBe(1);

    const downloading = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download created users as CSV" }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe("class-passwords.csv");
    const text = await readFile(await download.path(), "utf8");
    const lines = text.trim().split(/\r?\n/);
    expect(lines[0]).toBe("row,username,password");
    expect(lines.slice(1).map((l) => l.split(",")[1])).toEqual(["dora", "eli"]);
    const doraPassword = lines[1]?.split(",")[2] ?? "";
    expect(await canSignIn("dora", doraPassword)).toBe(true);

    const dir = screenshotDir();
    if (dir) {
      // At the top, or the sticky header lands mid-page in a full-page capture.
      await page.evaluate("window.scrollTo(0, 0)");
      await page.screenshot({ path: `${dir}/aula-admin-users.png`, fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: `${dir}/aula-admin-users-phone.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it("pages through more users than fit on one page", async () => {
    for (let i = 0; i < 26; i++) await stack.createUser({ username: `bulk${String(i).padStart(2, "0")}`, role: "student" });
    await page.reload();
    await page.locator("tbody tr").first().waitFor();
    const firstPage = await page.locator("tbody tr").count();
    expect(firstPage).toBe(25);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2").waitFor();
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByText("Page 1").waitFor();
  });

  it("shows what happened in the audit log", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await page.waitForURL((url) => url.pathname === "/admin/audit");
    await page.getByRole("cell", { name: "user.create" }).first().waitFor();
    await page.getByRole("cell", { name: "user.password_reset" }).first().waitFor();
  });
});
