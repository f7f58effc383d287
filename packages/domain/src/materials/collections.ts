import path from "node:path";
import { weekFolder } from "./materials-dir";

export type CollectScope = "practicas" | "proyecto";

/** Where the worker writes a collection's archive, and where the api serves it from. */
export function collectionFile(dataDir: string, courseSlug: string, collectionId: string): string {
  return path.join(dataDir, "collections", courseSlug, `${collectionId}.tar.gz`);
}

/** The folder every entry of the archive sits in: `pytorch-week-02-practicas/<username>/…`. */
export function collectionRoot(courseSlug: string, scope: CollectScope, week: number | null): string {
  return scope === "practicas" && week !== null ? `${courseSlug}-${weekFolder(week)}-practicas` : `${courseSlug}-proyecto`;
}

/** The download's file name, dated so two collections of one week do not overwrite each other. */
export function collectionFileName(courseSlug: string, scope: CollectScope, week: number | null, requestedAt: Date): string {
  const stamp = requestedAt.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  return `${collectionRoot(courseSlug, scope, week)}-${stamp}.tar.gz`;
}

/** The folder inside a student's /bootcamp volume that a scope collects. */
export function collectedFolder(scope: CollectScope, week: number | null): string {
  return scope === "practicas" && week !== null ? `/bootcamp/2-practicas/${weekFolder(week)}` : "/bootcamp/3-proyecto";
}
