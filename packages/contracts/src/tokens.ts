import { z } from "zod";
import { Timestamp } from "./common";

export const CreateApiTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  /** Omit for a token that never expires. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});
export type CreateApiTokenBody = z.infer<typeof CreateApiTokenBody>;

export const ApiTokenInfo = z.object({
  id: z.uuid(),
  name: z.string(),
  /** The first characters of the token, enough to recognise it; never the secret. */
  prefix: z.string(),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;

/** The only time the secret is shown. */
export const CreatedApiToken = z.object({
  token: z.string(),
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdAt: Timestamp,
  expiresAt: Timestamp.nullable(),
});
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;

export const ApiTokenList = z.object({ tokens: z.array(ApiTokenInfo) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const ApiTokenParams = z.object({ name: z.string().max(32), id: z.uuid() });
