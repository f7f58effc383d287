import type { Page } from "playwright-core";

// What a student does in Jupyter Notebook 6, shared by the browser tests that run a cell.

/**
 * Creates an empty notebook through Jupyter's REST API from the page itself (same origin, the
 * gateway's auth; the _xsrf cookie is sent too, for a Jupyter that wants it).
 * `base` is the server's path, `/user/<name>/`.
 */
export async function createNotebook(page: Page, base: string): Promise<{ status: number; path: string; body: unknown }> {
  const created = await page.evaluate(async (serverBase) => {
    const xsrf = /(?:^|;\s*)_xsrf=([^;]+)/.exec(document.cookie)?.[1];
    const response = await fetch(`${serverBase}api/contents`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(xsrf ? { "X-XSRFToken": decodeURIComponent(xsrf) } : {}) },
      body: JSON.stringify({ type: "notebook" }),
    });
    return { status: response.status, body: (await response.json()) as { path?: string } };
  }, base);
  return { status: created.status, path: created.body.path ?? "", body: created.body };
}

/** Opens a notebook in the classic UI, waits for its kernel, runs `code` and waits for `expected`. */
export async function runCellIn(page: Page, notebookUrl: string, code: string, expected: RegExp): Promise<void> {
  await page.goto(notebookUrl);
  await page.waitForFunction(
    () => {
      const j = (window as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?: () => boolean } } } }).Jupyter;
      return j?.notebook?.kernel?.is_connected?.() === true;
    },
    undefined,
    { timeout: 60_000 },
  );
  await page.locator(".cell .CodeMirror").first().click();
  await page.keyboard.type(code);
  await page.keyboard.press("Shift+Enter");
  await page.locator(".output_area .output_result").filter({ hasText: expected }).first().waitFor({ timeout: 60_000 });
}

/** A notebook's URL under a server's base path, each segment encoded. */
export function notebookUrl(base: string, notebookPath: string): string {
  return `${base}notebooks/${notebookPath.split("/").map(encodeURIComponent).join("/")}`;
}
