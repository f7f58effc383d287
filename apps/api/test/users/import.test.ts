import { ImportReport } from "@aula/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, type Signed, signIn, type TestApp } from "../support/test-app";

let t: TestApp;
let admin: Signed;

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "root", "admin");
  await createAccount(t.db, "taken");
  await t.db.course.create({ data: { slug: "pytorch-2027", title: "PyTorch Zero to Hero" } });
  admin = await signIn(t.app, "root");
});

afterAll(async () => {
  await t.close();
});

const CSV = [
  "username,display name,email,role,course",
  "ana,Ana Pérez,ana@example.org,student,pytorch-2027",
  "luis,Luis Gómez,,instructor,pytorch-2027",
  "ana,Ana Again,,student,",
  "taken,Already There,,student,",
  "Bad Name!,Broken User,,student,",
  "marta,Marta Ruiz,not-an-email,student,",
  "nora,Nora Díaz,,student,no-such-course",
  "omar,Omar Ali,,teacher,",
  'pia,"Pía, the quoted",,student,',
  "only,three,fields",
  "",
  'quinn,"unterminated,,student,',
  "rosa,Rosa Vidal,,STUDENT,",
].join("\n");

describe("CSV import", () => {
  it("creates the valid rows and refuses each bad one with its line and reason", async () => {
    const usersBefore = await t.db.user.count();
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/import", headers: { ...admin.headers, "content-type": "text/csv" }, payload: CSV });
    expect(response.statusCode).toBe(200);
    const report = response.json<{ created: { row: number; username: string; password: string }[]; refused: { row: number; username?: string; reason: string }[] }>();

    expect(report.created.map((c) => [c.row, c.username])).toEqual([
      [2, "ana"],
      [3, "luis"],
      [10, "pia"],
      [14, "rosa"],
    ]);
    const refused = Object.fromEntries(report.refused.map((r) => [r.row, r]));
    expect(Object.keys(refused).map(Number)).toEqual([4, 5, 6, 7, 8, 9, 11, 13]);
    expect(refused[4]?.reason).toMatch(/appears earlier in this file \(line 2\)/);
    expect(refused[5]?.reason).toMatch(/already exists/);
    expect(refused[6]?.reason).toMatch(/not valid/);
    expect(refused[7]?.reason).toMatch(/email/);
    expect(refused[8]?.reason).toMatch(/no open course "no-such-course"/);
    expect(refused[9]?.reason).toMatch(/role "teacher"/);
    expect(refused[11]?.reason).toMatch(/3 fields; the header has 5/);
    expect(refused[13]?.reason).toMatch(/not valid CSV/);

    // Only the four valid rows changed anything.
    expect(await t.db.user.count()).toBe(usersBefore + 4);
    for (const name of ["marta", "nora", "omar", "quinn"]) expect(await t.db.user.findUnique({ where: { username: name } })).toBeNull();
    expect((await t.db.user.findUniqueOrThrow({ where: { username: "taken" } })).displayName).toBe("taken display");

    const enrollments = await t.db.enrollment.findMany({ include: { user: true }, orderBy: { user: { username: "asc" } } });
    expect(enrollments.map((e) => [e.user.username, e.role])).toEqual([
      ["ana", "STUDENT"],
      ["luis", "INSTRUCTOR"],
    ]);

    const ana = report.created[0];
    await signIn(t.app, "ana", ana?.password);
    const pia = await t.db.user.findUniqueOrThrow({ where: { username: "pia" } });
    expect(pia.displayName).toBe("Pía, the quoted");

    const summary = await t.db.auditEvent.findFirst({ where: { action: "user.import" } });
    expect(summary?.data).toMatchObject({ created: ["ana", "luis", "pia", "rosa"] });
  });

  it("accepts JSON { csv } as well", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users/import",
      headers: admin.headers,
      payload: { csv: "username,display name,role\nsofia,Sofía Ramos,student\n" },
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(ImportReport, response).created).toMatchObject([{ row: 2, username: "sofia" }]);
  });

  it("refuses a file whose header is wrong, creating nobody", async () => {
    const before = await t.db.user.count();
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users/import",
      headers: { ...admin.headers, "content-type": "text/csv" },
      payload: "login,full name\nzed,Zed\n",
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).error.code).toBe("validation_failed");
    expect(errorOf(response).error.message).toMatch(/username,display name,email,role,course/);
    expect(await t.db.user.count()).toBe(before);
  });

  it("is for admins only", async () => {
    await createAccount(t.db, "stu");
    const stu = await signIn(t.app, "stu");
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users/import",
      headers: { ...stu.headers, "content-type": "text/csv" },
      payload: "username,display name,role\nmallory,Mallory,admin\n",
    });
    expect(response.statusCode).toBe(403);
    expect(await t.db.user.findUnique({ where: { username: "mallory" } })).toBeNull();
  });

  it("takes CSV bodies above the 1 MiB default up to 2 MiB, and refuses bigger ones", async () => {
    const header = "username,display name,role\n";
    const padding = `# ${"x".repeat(100)}\n`;
    const tooBig = header + padding.repeat(Math.ceil((2 * 1024 * 1024) / padding.length) + 10);
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users/import", headers: { ...admin.headers, "content-type": "text/csv" }, payload: tooBig });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).error.code).toBe("payload_too_large");

    // 1.5 MiB of blank lines and one real row: over the default limit, under the import one.
    const big = header + "\n".repeat(1.5 * 1024 * 1024) + "tina,Tina Big,student\n";
    const ok = await t.app.inject({ method: "POST", url: "/api/v1/users/import", headers: { ...admin.headers, "content-type": "text/csv" }, payload: big });
    expect(ok.statusCode).toBe(200);
    expect(bodyOf(ImportReport, ok).created).toMatchObject([{ username: "tina" }]);
  });
});
