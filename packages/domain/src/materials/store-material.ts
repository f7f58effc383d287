import { chmod, lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Material } from "@aula/contracts";
import { AppError } from "@aula/contracts";
import type { Db, MaterialKind } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { materialsDir, partForKind } from "./materials-dir";
import { materialView } from "./material-view";
import type { ReceivedFile } from "./receive-upload";

export interface MaterialTarget {
  dataDir: string;
  course: { id: string; slug: string };
  week: { id: string; number: number };
  kind: MaterialKind;
}

export interface StagedMaterial extends ReceivedFile {
  /** Checked relative path (requireMaterialPath / checkMaterialPath). */
  path: string;
}

/**
 * Refuses a set of target paths that would clash with what is on disk or with each other: a file
 * where a folder is (or the other way round). Checked before anything is renamed, so a refused
 * upload leaves the materials exactly as they were.
 */
async function assertNoClash(root: string, paths: readonly string[]): Promise<void> {
  const files = new Set(paths);
  for (const p of paths) {
    const segments = p.split("/");
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      if (files.has(parent)) throw new AppError("conflict", `"${parent}" would be both a file and a folder.`);
      const st = await lstat(path.join(root, parent)).catch(() => null);
      if (st && !st.isDirectory()) throw new AppError("conflict", `"${parent}" is already a file; delete it before putting files under it.`);
    }
    const st = await lstat(path.join(root, p)).catch(() => null);
    if (st && !st.isFile()) throw new AppError("conflict", `"${p}" is already a folder; choose another file name.`);
  }
}

/**
 * Moves staged files into `<dataDir>/materials/<course>/week-NN/<part>/` (a rename on the same
 * filesystem: readers see the old file or the new one, never half of one) and records each in
 * WeekMaterial. Files are world-readable: the part is bind-mounted read-only into containers that
 * run as uid 1000. On any refusal the staged files are removed.
 */
export async function commitMaterials(db: Db, target: MaterialTarget, staged: readonly StagedMaterial[], actor: { id: string | null; ip?: string | null }): Promise<Material[]> {
  const root = materialsDir(target.dataDir, target.course.slug, target.week.number, partForKind[target.kind]);
  try {
    await mkdir(root, { recursive: true, mode: 0o755 });
    await assertNoClash(root, staged.map((s) => s.path));
    for (const s of staged) {
      const dest = path.join(root, s.path);
      await mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
      await chmod(s.tmpPath, 0o644);
      await rename(s.tmpPath, dest);
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.tmpPath, { force: true })));
    throw error;
  }
  const rows = await db.$transaction(async (tx) => {
    const out = [];
    for (const s of staged) {
      out.push(
        await tx.weekMaterial.upsert({
          where: { weekId_kind_path: { weekId: target.week.id, kind: target.kind, path: s.path } },
          create: { weekId: target.week.id, kind: target.kind, path: s.path, sizeBytes: BigInt(s.sizeBytes), sha256: s.sha256, uploadedById: actor.id },
          update: { sizeBytes: BigInt(s.sizeBytes), sha256: s.sha256, uploadedById: actor.id, createdAt: new Date() },
          include: { uploadedBy: { select: { username: true } } },
        }),
      );
    }
    await recordAudit(tx, {
      actorId: actor.id,
      action: "material.upload",
      targetType: "week",
      targetId: target.week.id,
      data: { course: target.course.slug, week: target.week.number, kind: target.kind, paths: staged.slice(0, 200).map((s) => s.path), files: staged.length },
      ip: actor.ip ?? null,
    });
    return out;
  });
  return rows.map(materialView);
}
