import { z } from "zod";
import { parseJsonWith } from "./messages/parse-json";

// Live build output: the worker publishes each batch of lines after it is stored in the
// ImageBuild row, then one "end" message once the build's final status is stored. A reader
// subscribes first, then reads the row, then skips live lines whose number it already has.

export const buildLogChannel = (prefix: string, buildId: string) => `${prefix}:build-log:${buildId}`;

export const BuildLogMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("lines"), seq: z.number().int().nonnegative(), lines: z.array(z.string()) }),
  z.object({ type: z.literal("end"), status: z.string() }),
]);
export type BuildLogMessage = z.infer<typeof BuildLogMessage>;

export function parseBuildLogMessage(raw: string): BuildLogMessage | null {
  return parseJsonWith(BuildLogMessage, raw);
}
