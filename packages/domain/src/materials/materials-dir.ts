import path from "node:path";
import type { MaterialKindName } from "@aula/contracts";
import type { MaterialKind } from "@aula/db";

export type MaterialPart = "1-teoria" | "2-practicas";

/**
 * Host folder of one part of a week's materials: `<dataDir>/materials/<course>/week-NN/<part>`.
 * The api writes it (uploads), the worker mounts 1-teoria read-only into every server of the week
 * and copies 2-practicas into each student's workspace; both take the layout from here.
 */
export function materialsDir(dataDir: string, courseSlug: string, week: number, part: MaterialPart): string {
  return path.join(dataDir, "materials", courseSlug, weekFolder(week), part);
}

/** `week-07`: the folder name on the host and under /bootcamp/2-practicas in the container. */
export function weekFolder(week: number): string {
  return `week-${String(week).padStart(2, "0")}`;
}

/** Staging area for uploads, on the same filesystem as the materials so a rename is atomic. */
export function materialsIncomingDir(dataDir: string): string {
  return path.join(dataDir, "materials", ".incoming");
}

export const partForKind: Record<MaterialKind, MaterialPart> = { TEORIA: "1-teoria", PRACTICAS: "2-practicas" };
export const kindFromName: Record<MaterialKindName, MaterialKind> = { teoria: "TEORIA", practicas: "PRACTICAS" };
export const nameForKind: Record<MaterialKind, MaterialKindName> = { TEORIA: "teoria", PRACTICAS: "practicas" };
