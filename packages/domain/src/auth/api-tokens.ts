import { AppError, type ApiTokenInfo, type CreatedApiToken } from "@aula/contracts";
import type { ApiTokenModel as ApiToken, Db } from "@aula/db";
import { recordAudit } from "../audit/record-audit";
import { hashSecret, newApiToken } from "./tokens";

// "aula_" plus 7 characters: enough to tell tokens apart in a list, far too little to guess one.
const PREFIX_LENGTH = 12;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CreateApiTokenOptions {
  userId: string;
  name?: string;
  expiresInDays?: number;
  actorId: string;
  ip?: string | null;
  now?: Date;
}

export async function createApiToken(db: Db, options: CreateApiTokenOptions): Promise<CreatedApiToken> {
  const now = options.now ?? new Date();
  const token = newApiToken();
  const expiresAt = options.expiresInDays ? new Date(now.getTime() + options.expiresInDays * DAY_MS) : null;
  const row = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: {
        userId: options.userId,
        name: options.name ?? "API token",
        prefix: token.slice(0, PREFIX_LENGTH),
        tokenHash: hashSecret(token),
        createdAt: now,
        expiresAt,
      },
    });
    await recordAudit(tx, {
      actorId: options.actorId,
      action: "api_token.create",
      targetType: "user",
      targetId: options.userId,
      data: { tokenId: created.id, name: created.name, expiresAt: expiresAt?.toISOString() ?? null },
      ip: options.ip,
    });
    return created;
  });
  return {
    token,
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

export function apiTokenView(row: ApiToken): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}

/** Tokens that have not been revoked, newest first; expired ones stay visible with their date. */
export async function listApiTokens(db: Db, options: { userId: string }): Promise<ApiTokenInfo[]> {
  const rows = await db.apiToken.findMany({
    where: { userId: options.userId, revokedAt: null },
    orderBy: { createdAt: "desc" },
  });
  return rows.map(apiTokenView);
}

export interface RevokeApiTokenOptions {
  userId: string;
  tokenId: string;
  actorId: string;
  ip?: string | null;
  now?: Date;
}

export async function revokeApiToken(db: Db, options: RevokeApiTokenOptions): Promise<void> {
  await db.$transaction(async (tx) => {
    const result = await tx.apiToken.updateMany({
      where: { id: options.tokenId, userId: options.userId, revokedAt: null },
      data: { revokedAt: options.now ?? new Date() },
    });
    if (result.count === 0) throw new AppError("not_found", "There is no such API token; it may have been revoked already.");
    await recordAudit(tx, {
      actorId: options.actorId,
      action: "api_token.revoke",
      targetType: "user",
      targetId: options.userId,
      data: { tokenId: options.tokenId },
      ip: options.ip,
    });
  });
}
