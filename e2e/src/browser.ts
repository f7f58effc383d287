import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

// Debian's Chromium, driven by playwright-core. Playwright's own browser download cannot work
// here (no access to its CDN), so never `npx playwright install`.
export const CHROMIUM_PATH = process.env.AULA_CHROMIUM ?? "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Each launch gets a fresh profile: playwright-core's launch() creates a new temporary
 * --user-data-dir and removes it on close, so no cookie or cache leaks between test files.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` (or set AULA_CHROMIUM to its path).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS, timeout: 30_000 });
}
