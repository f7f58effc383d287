import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { Stack, TestUser } from "./stack";

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** URLs the browser tried to reach outside the stack; they were aborted, never sent. */
  blocked: string[];
}

/**
 * A fresh browser context (own cookies) whose traffic can only reach the stack: this workplace
 * allows loopback only, and a test about open redirects must not actually visit the attacker.
 */
export async function openTab(browser: Browser, stack: Stack): Promise<Tab> {
  const context = await browser.newContext({ baseURL: stack.url, viewport: { width: 1280, height: 860 } });
  const origin = new URL(stack.url).origin;
  const blocked: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) await route.continue();
    else {
      blocked.push(url);
      await route.abort("blockedbyclient");
    }
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  return { context, page, blocked };
}

export async function signIn(page: Page, user: Pick<TestUser, "username" | "password">): Promise<void> {
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Path plus query of the page's current URL. */
export function here(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}

export function screenshotDir(): string | null {
  return process.env.AULA_E2E_SCREENSHOTS ?? null;
}

/**
 * The page's error message. Not simply getByRole("alert"): Next.js keeps a role="alert" route
 * announcer in every page, which reads out the new page's title after each navigation.
 */
export function errorOn(page: Page): Locator {
  return page.locator('p.error[role="alert"]');
}
