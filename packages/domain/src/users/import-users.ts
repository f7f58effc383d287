import { AppError, DisplayName, Email, RoleName, Username, type ImportReport } from "@aula/contracts";
import { CourseRole, isUniqueViolation, Role, type Db } from "@aula/db";
import { parse } from "csv-parse/sync";
import { recordAudit } from "../audit/record-audit";
import { generatePassword, hashPassword } from "../auth/password";
import { roleFromName } from "./user-view";

export interface ImportUsersOptions {
  csv: string;
  actorId: string | null;
  ip?: string | null;
}

// Each created account costs one argon2 hash (~30 ms here); a bootcamp cohort is a few hundred.
export const IMPORT_MAX_ROWS = 1000;

const COLUMN_ALIASES: Record<string, Column> = {
  username: "username",
  "display name": "displayName",
  display_name: "displayName",
  displayname: "displayName",
  name: "displayName",
  email: "email",
  "e-mail": "email",
  role: "role",
  course: "course",
};
type Column = "username" | "displayName" | "email" | "role" | "course";
const REQUIRED: Column[] = ["username", "displayName", "role"];
const EXPECTED_HEADER = "username,display name,email,role,course";

interface Line {
  row: number;
  text: string;
}

/**
 * Creates accounts from a CSV class list and reports on every row. Each row is its own
 * transaction: a refused row changes nothing, and one bad row does not stop the others.
 * `row` in the report is the line number in the file (the header is line 1).
 *
 * Lines are parsed one by one rather than as one document: a stray quote then breaks only its
 * own row, where csv-parse would lose track of every row after it. Multi-line fields have no
 * place in a class list.
 */
export async function importUsersFromCsv(db: Db, options: ImportUsersOptions): Promise<ImportReport> {
  const lines: Line[] = options.csv
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\n|\r/)
    .map((text, i) => ({ row: i + 1, text }))
    .filter((line) => line.text.trim() !== "");
  const headerLine = lines.shift();
  if (!headerLine) throw new AppError("validation_failed", `The CSV is empty. Its first line must be the header: ${EXPECTED_HEADER}`);
  const columns = readHeader(headerLine.text);
  if (lines.length > IMPORT_MAX_ROWS) {
    throw new AppError("validation_failed", `The CSV has ${lines.length} rows; import at most ${IMPORT_MAX_ROWS} at a time by splitting the file.`);
  }

  const report: ImportReport = { created: [], refused: [] };
  const firstSeen = new Map<string, number>();
  const courseIds = new Map<string, string | null>();

  for (const line of lines) {
    const outcome = await importLine(db, line, columns, { firstSeen, courseIds, actorId: options.actorId, ip: options.ip ?? null });
    if ("password" in outcome) report.created.push(outcome);
    else report.refused.push(outcome);
  }

  await recordAudit(db, {
    actorId: options.actorId,
    action: "user.import",
    targetType: "user",
    data: {
      created: report.created.map((c) => c.username),
      refused: report.refused.map((r) => ({ row: r.row, username: r.username ?? null, reason: r.reason })),
    },
    ip: options.ip,
  });
  return report;
}

function parseLine(text: string): string[] {
  // Without `columns`, csv-parse yields one array of strings per record.
  const records: string[][] = parse(text, { trim: true, relax_column_count: true });
  return records[0] ?? [];
}

function readHeader(text: string): Column[] {
  let names: string[];
  try {
    names = parseLine(text).map((n) => n.toLowerCase().replace(/\s+/g, " "));
  } catch {
    throw new AppError("validation_failed", `The header line is not valid CSV. Use: ${EXPECTED_HEADER}`);
  }
  const columns: Column[] = [];
  for (const name of names) {
    const column = COLUMN_ALIASES[name];
    if (!column) throw new AppError("validation_failed", `Unknown column "${name.slice(0, 40)}" in the header. Use: ${EXPECTED_HEADER}`);
    if (columns.includes(column)) throw new AppError("validation_failed", `The column "${name}" appears twice in the header.`);
    columns.push(column);
  }
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new AppError("validation_failed", `The header lacks the column(s) ${missing.map((c) => (c === "displayName" ? "display name" : c)).join(", ")}. Use: ${EXPECTED_HEADER}`);
  }
  return columns;
}

interface LineContext {
  firstSeen: Map<string, number>;
  courseIds: Map<string, string | null>;
  actorId: string | null;
  ip: string | null;
}

type Created = ImportReport["created"][number];
type Refused = ImportReport["refused"][number];

async function importLine(db: Db, line: Line, columns: Column[], ctx: LineContext): Promise<Created | Refused> {
  const { row } = line;
  let fields: string[];
  try {
    fields = parseLine(line.text);
  } catch (error) {
    return { row, reason: `This line is not valid CSV (${(error as Error).message.split(":")[0]}).` };
  }
  const value = (column: Column): string => fields[columns.indexOf(column)] ?? "";
  const rawUsername = value("username").toLowerCase();
  const shownName = rawUsername ? rawUsername.slice(0, 40) : undefined;
  const refuse = (reason: string): Refused => ({ row, ...(shownName ? { username: shownName } : {}), reason });

  if (fields.length !== columns.length) return refuse(`This line has ${fields.length} fields; the header has ${columns.length}.`);
  const username = Username.safeParse(rawUsername);
  if (!username.success) return refuse(`The username "${shownName ?? ""}" is not valid: ${username.error.issues[0]?.message ?? "check it"}`);
  const earlier = ctx.firstSeen.get(username.data);
  if (earlier !== undefined) return refuse(`The username "${username.data}" appears earlier in this file (line ${earlier}).`);
  ctx.firstSeen.set(username.data, row);

  const displayName = DisplayName.safeParse(value("displayName"));
  if (!displayName.success) return refuse("The display name is missing or longer than 200 characters.");
  const rawEmail = value("email");
  const email = rawEmail ? Email.safeParse(rawEmail) : null;
  if (email && !email.success) return refuse(`The email "${rawEmail.slice(0, 60)}" is not a valid address.`);
  const role = RoleName.safeParse(value("role").toLowerCase());
  if (!role.success) return refuse(`The role "${value("role").slice(0, 20)}" is not one of admin, instructor, student.`);

  const slug = value("course");
  let courseId: string | null = null;
  if (slug) {
    courseId = await findCourseId(db, slug, ctx.courseIds);
    if (!courseId) return refuse(`There is no open course "${slug.slice(0, 64)}"; create it first or leave the course empty.`);
  }
  if (await db.user.findUnique({ where: { username: username.data }, select: { id: true } })) {
    return refuse(`The username "${username.data}" already exists.`);
  }

  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  try {
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          username: username.data,
          displayName: displayName.data,
          email: email?.data ?? null,
          role: roleFromName(role.data),
          passwordHash,
          passwordChangedAt: new Date(),
        },
      });
      if (courseId) {
        // Admins and instructors teach; only students take the course.
        const courseRole = user.role === Role.STUDENT ? CourseRole.STUDENT : CourseRole.INSTRUCTOR;
        await tx.enrollment.create({ data: { courseId, userId: user.id, role: courseRole } });
      }
      await recordAudit(tx, {
        actorId: ctx.actorId,
        action: "user.create",
        targetType: "user",
        targetId: user.id,
        data: { username: user.username, role: role.data, via: "import", course: slug || null },
        ip: ctx.ip,
      });
    });
  } catch (error) {
    // Someone created the same username between our check and this insert.
    if (isUniqueViolation(error)) return refuse(`The username "${username.data}" already exists.`);
    throw error;
  }
  return { row, username: username.data, password };
}

async function findCourseId(db: Db, slug: string, cache: Map<string, string | null>): Promise<string | null> {
  if (!cache.has(slug)) {
    const course = slug.length <= 64 ? await db.course.findUnique({ where: { slug }, select: { id: true, archivedAt: true } }) : null;
    cache.set(slug, course && !course.archivedAt ? course.id : null);
  }
  return cache.get(slug) ?? null;
}
