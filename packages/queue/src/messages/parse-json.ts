import type { z } from "zod";

/**
 * A raw Redis message or stored entry checked against its schema: the value, or null for
 * anything malformed (bad JSON or the wrong shape). Never throws: a subscriber's message
 * handler must not crash on what another process published.
 */
export function parseJsonWith<T extends z.ZodType>(schema: T, raw: string): z.infer<T> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
