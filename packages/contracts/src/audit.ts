import { z } from "zod";
import { Cursor, PageLimit, Timestamp } from "./common";

export const AuditEventJson = z.object({
  /** A bigint in the database; a string here so JavaScript clients lose no digits. */
  id: z.string(),
  at: Timestamp,
  actor: z.object({ id: z.string(), username: z.string() }).nullable(),
  action: z.string(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  data: z.unknown(),
  ip: z.string().nullable(),
});
export type AuditEventJson = z.infer<typeof AuditEventJson>;

export const ListAuditQuery = z.object({
  limit: PageLimit,
  cursor: Cursor.optional(),
  action: z.string().max(100).optional(),
});
export type ListAuditQuery = z.infer<typeof ListAuditQuery>;

export const AuditList = z.object({ events: z.array(AuditEventJson), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof AuditList>;
