import { readdir, rmdir, unlink } from "node:fs/promises";
import path from "node:path";
import { AppError, type Material } from "@aula/contracts";
import type { Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { requireMaterialPath } from "./material-path";
import { materialsDir, partForKind } from "./materials-dir";
import { materialView } from "./material-view";
import type { MaterialTarget } from "./store-material";

/** The week's materials, both parts, ordered by part then path. */
export async function listMaterials(db: Db, weekId: string): Promise<Material[]> {
  const rows = await db.weekMaterial.findMany({
    where: { weekId },
    orderBy: [{ kind: "asc" }, { path: "asc" }],
    include: { uploadedBy: { select: { username: true } } },
  });
  return rows.map(materialView);
}

/** Removes a file from a week part (disk and record) and the folders it leaves empty. */
export async function deleteMaterial(db: Db, target: MaterialTarget & { path: string }, actor: { id: string | null; ip?: string | null }): Promise<void> {
  const rel = requireMaterialPath(target.path);
  const row = await db.weekMaterial.findUnique({ where: { weekId_kind_path: { weekId: target.week.id, kind: target.kind, path: rel } } });
  if (!row) throw new AppError("not_found", `Week ${target.week.number} has no file "${rel}" in ${partForKind[target.kind]}.`);
  const root = materialsDir(target.dataDir, target.course.slug, target.week.number, partForKind[target.kind]);
  await db.$transaction(async (tx) => {
    await tx.weekMaterial.delete({ where: { id: row.id } });
    await recordAudit(tx, { actorId: actor.id, action: "material.delete", targetType: "week", targetId: target.week.id, data: { course: target.course.slug, week: target.week.number, kind: target.kind, path: rel }, ip: actor.ip ?? null });
  });
  await unlink(path.join(root, rel)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  // Prune empty parents up to (not including) the part's root.
  let dir = path.dirname(path.join(root, rel));
  while (dir.startsWith(root + path.sep)) {
    if ((await readdir(dir).catch(() => ["?"])).length > 0) break;
    await rmdir(dir).catch(() => {});
    dir = path.dirname(dir);
  }
}
