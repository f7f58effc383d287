import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser";
import { errorOn, here, openTab, screenshotDir, signIn } from "./session";
import { startStack, type Stack, type TestUser } from "./stack";

describe("signing in and out through the gateway", () => {
  let stack: Stack;
  let browser: Browser;
  let student: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    student = await stack.createUser({ username: "ana", displayName: "Ana Lima", role: "student" });
    admin = await stack.createUser({ username: "root-admin", displayName: "Rosa Admin", role: "admin" });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("signs a student in to the shell with their name and role, and signs them out to the login page", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login");
      const dir = screenshotDir();
      if (dir) await page.screenshot({ path: `${dir}/aula-login.png`, fullPage: true });
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");

      const who = page.getByTestId("current-user");
      await who.waitFor();
      expect(await who.innerText()).toContain("Ana Lima");
      expect(await who.innerText()).toContain("ana");
      expect(await who.innerText()).toContain("Student");
      // The student's navigation, and nothing of the admin's.
      const nav = page.getByRole("navigation", { name: "Main" });
      expect(await nav.getByRole("link").allInnerTexts()).toEqual(["Dashboard", "Account"]);
      // The dashboard shows what the API says: no server, no course (nothing invented).
      await page.getByRole("status").getByText("You have no server running.").waitFor();
      await page.getByText("You are not enrolled in any course yet.").waitFor();
      if (dir) await page.screenshot({ path: `${dir}/aula-dashboard.png`, fullPage: true });

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL((url) => url.pathname === "/login" && url.search === "");
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      // The session is gone on the server too, not only in the page.
      expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("refuses a wrong password with the API's message and stays on the login page", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login");
      await signIn(page, { username: student.username, password: "not-the-password" });
      const alert = errorOn(page);
      await alert.waitFor();
      expect((await alert.innerText()).trim()).toBe("Wrong username or password.");
      expect(new URL(page.url()).pathname).toBe("/login");
      expect(await page.evaluate(async () => (await fetch("/api/v1/me")).status)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("does not follow ?next= to another origin", async () => {
    const { context, page, blocked } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=//evil.example/phish");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/dashboard");
      expect(new URL(page.url()).origin).toBe(stack.url);
      await page.getByTestId("current-user").waitFor();
      expect(blocked.filter((u) => u.includes("evil.example"))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("sends a signed-out visitor to the login page and back to the page they asked for", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/admin/users");
      await page.waitForURL((url) => url.pathname === "/login");
      expect(here(page)).toBe(`/login?next=${encodeURIComponent("/admin/users")}`);
      await signIn(page, admin);
      await page.waitForURL((url) => url.pathname === "/admin/users");
      await page.getByRole("heading", { name: "Users", level: 1 }).waitFor();
      expect(await page.getByTestId("current-user").innerText()).toContain("Administrator");
    } finally {
      await context.close();
    }
  });

  it("keeps a student out of the admin pages", async () => {
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/admin/users");
      await signIn(page, student);
      await page.waitForURL((url) => url.pathname === "/admin/users");
      await page.getByRole("heading", { name: "Not available to your account" }).waitFor();
      expect(await page.getByRole("heading", { name: "Users", level: 1 }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("lets a student change their password and sign in with the new one", async () => {
    const changer = await stack.createUser({ username: "chico", role: "student" });
    const { context, page } = await openTab(browser, stack);
    try {
      await page.goto("/login?next=/account");
      await signIn(page, changer);
      await page.waitForURL((url) => url.pathname === "/account");
      await page.getByLabel("Current password").fill(changer.password);
      await page.getByLabel("New password", { exact: true }).fill("a-new-password-42");
      await page.getByLabel("Repeat new password").fill("a-new-password-42");
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("Your password has been changed.").waitFor();

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL((url) => url.pathname === "/login");
      await signIn(page, changer);
      await errorOn(page).waitFor();
      await signIn(page, { username: changer.username, password: "a-new-password-42" });
      await page.waitForURL((url) => url.pathname === "/dashboard");
    } finally {
      await context.close();
    }
  });
});
