import type { Material } from "@aula/contracts";
import type { MaterialKind } from "@aula/db";
import { nameForKind } from "./materials-dir";

interface MaterialRow {
  kind: MaterialKind;
  path: string;
  sizeBytes: bigint;
  sha256: string;
  createdAt: Date;
  uploadedBy: { username: string } | null;
}

export function materialView(row: MaterialRow): Material {
  return {
    kind: nameForKind[row.kind],
    path: row.path,
    sizeBytes: Number(row.sizeBytes),
    sha256: row.sha256,
    uploadedBy: row.uploadedBy?.username ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
