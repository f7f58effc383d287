import { AppError, type RosterImportReport } from "@aula/contracts";
import type { Db } from "@aula/db";
import { parse } from "csv-parse/sync";
import { recordAudit } from "../audit/record-audit";
import { importUsersFromCsv } from "../users/import-users";

export interface ImportRosterOptions {
  course: { id: string; slug: string; title: string };
  csv: string;
  actorId: string | null;
  ip?: string | null;
}

const HEADER_HINT = "username,display name,email";

function parseFields(text: string): string[] | null {
  try {
    const records: string[][] = parse(text, { trim: true, relax_column_count: true });
    return records[0] ?? [];
  } catch {
    return null;
  }
}

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function columnIndex(names: string[], ...aliases: string[]): number {
  return names.findIndex((n) => aliases.includes(n));
}

/**
 * A course's class list from CSV, built on importUsersFromCsv (same header, same per-row checks,
 * same generated passwords): new accounts are created as students of this course; usernames that
 * already exist are enrolled (they keep their password); rows that name another role or another
 * course are refused, so a roster import can never create an instructor or admin account. Row
 * numbers are the file's line numbers throughout.
 */
export async function importRoster(db: Db, opts: ImportRosterOptions): Promise<RosterImportReport> {
  const lines = opts.csv.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
  const headerIndex = lines.findIndex((l) => l.trim() !== "");
  if (headerIndex < 0) throw new AppError("validation_failed", `The CSV is empty. Its first line must be the header: ${HEADER_HINT}`);
  const header = parseFields(lines[headerIndex] ?? "");
  if (!header) throw new AppError("validation_failed", `The header line is not valid CSV. Use: ${HEADER_HINT}`);
  const names = header.map((n) => n.toLowerCase().replace(/\s+/g, " "));
  const userCol = columnIndex(names, "username");
  if (userCol < 0) throw new AppError("validation_failed", `The header lacks the column username. Use: ${HEADER_HINT}`);
  const roleCol = columnIndex(names, "role");
  const courseCol = columnIndex(names, "course");

  const refused: RosterImportReport["refused"] = [];
  const enrolled: RosterImportReport["enrolled"] = [];
  const firstSeen = new Map<string, number>();
  const rows = lines.map((text, i) => ({ row: i + 1, text, fields: i > headerIndex && text.trim() !== "" ? parseFields(text) : null }));
  const candidates = rows.flatMap((r) => (r.fields ? [(r.fields[userCol] ?? "").toLowerCase()] : [])).filter(Boolean);
  const existing = new Map((await db.user.findMany({ where: { username: { in: candidates } } })).map((u) => [u.username, u]));

  const out: string[] = [];
  out.length = lines.length;
  out.fill("");
  out[headerIndex] = [...header.map(cell), ...(roleCol < 0 ? ["role"] : []), ...(courseCol < 0 ? ["course"] : [])].join(",");

  for (const r of rows) {
    if (r.row - 1 <= headerIndex || r.text.trim() === "") continue;
    if (!r.fields) {
      // Left as it is: importUsersFromCsv reports the broken line in its own words.
      out[r.row - 1] = r.text;
      continue;
    }
    const fields = [...r.fields];
    const username = (fields[userCol] ?? "").toLowerCase();
    const refuse = (reason: string) => refused.push({ row: r.row, ...(username ? { username: username.slice(0, 40) } : {}), reason });
    if (fields.length !== header.length) {
      refuse(`This line has ${fields.length} fields; the header has ${header.length}.`);
      continue;
    }
    const role = roleCol >= 0 ? (fields[roleCol] ?? "").toLowerCase() : "";
    if (role !== "" && role !== "student") {
      refuse(`The role "${role.slice(0, 20)}" is not student. A course roster imports students only; add instructors on the course page.`);
      continue;
    }
    const slug = courseCol >= 0 ? (fields[courseCol] ?? "") : "";
    if (slug !== "" && slug !== opts.course.slug) {
      refuse(`This row names the course "${slug.slice(0, 64)}", but this import is for "${opts.course.slug}". Leave the course column empty.`);
      continue;
    }
    const user = existing.get(username);
    if (user) {
      const earlier = firstSeen.get(username);
      if (earlier !== undefined) {
        refuse(`The username "${username}" appears earlier in this file (line ${earlier}).`);
        continue;
      }
      firstSeen.set(username, r.row);
      if (user.disabledAt) refuse(`The account "${username}" exists but is disabled; an admin can enable it.`);
      else if (user.role !== "STUDENT") refuse(`The account "${username}" is an instructor or admin account; add it as an instructor instead.`);
      else {
        const current = await db.enrollment.findUnique({ where: { courseId_userId: { courseId: opts.course.id, userId: user.id } } });
        if (current && current.role === "INSTRUCTOR" && !current.removedAt) refuse(`"${username}" already teaches this course.`);
        else {
          await db.enrollment.upsert({
            where: { courseId_userId: { courseId: opts.course.id, userId: user.id } },
            create: { courseId: opts.course.id, userId: user.id, role: "STUDENT" },
            update: { role: "STUDENT", removedAt: null },
          });
          enrolled.push({ row: r.row, username });
        }
      }
      continue;
    }
    if (roleCol >= 0) fields[roleCol] = "student";
    else fields.push("student");
    if (courseCol >= 0) fields[courseCol] = opts.course.slug;
    else fields.push(opts.course.slug);
    out[r.row - 1] = fields.map(cell).join(",");
  }

  const imported = out.some((l, i) => i !== headerIndex && l !== "")
    ? await importUsersFromCsv(db, { csv: out.join("\n"), actorId: opts.actorId, ip: opts.ip ?? null })
    : { created: [], refused: [] };

  const report: RosterImportReport = {
    created: imported.created,
    enrolled,
    refused: [...refused, ...imported.refused].sort((a, b) => a.row - b.row),
  };
  await recordAudit(db, {
    actorId: opts.actorId,
    action: "course.roster_import",
    targetType: "course",
    targetId: opts.course.id,
    data: {
      course: opts.course.slug,
      created: report.created.map((c) => c.username),
      enrolled: report.enrolled.map((e) => e.username),
      refused: report.refused.map((r) => ({ row: r.row, username: r.username ?? null, reason: r.reason })),
    },
    ip: opts.ip ?? null,
  });
  return report;
}
