import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { MaterialList, MaterialResponse, ZipUploadReport } from "@aula/contracts";
import { createCourse, enrollUser } from "@aula/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, errorOf, type Signed } from "../support/test-app";
import { createCourseTestApp, type CourseTestApp } from "./support";
import { makeZip } from "./zip-fixture";

const LIMIT = 64 * 1024;

describe("week materials", () => {
  let t: CourseTestApp;
  let ines: Signed;
  let sara: Signed;
  let teoria: string;
  let practicas: string;

  beforeAll(async () => {
    t = await createCourseTestApp({ materialMaxBytes: LIMIT });
    ines = await t.account("ines", "instructor");
    sara = await t.account("sara", "student");
    const ins = await t.db.user.findUniqueOrThrow({ where: { username: "ines" } });
    const course = await createCourse(t.db, { slug: "mat", title: "Materials", template: "empty", emptyWeeks: 3, instructorId: ins.id });
    const stu = await t.db.user.findUniqueOrThrow({ where: { username: "sara" } });
    await enrollUser(t.db, { courseId: course.id, userId: stu.id, role: "STUDENT" });
    teoria = path.join(t.dataDir, "materials", "mat", "week-02", "1-teoria");
    practicas = path.join(t.dataDir, "materials", "mat", "week-02", "2-practicas");
  });
  afterAll(async () => t?.close());

  const put = (who: Signed, url: string, body: Buffer | string | Readable, contentType = "application/octet-stream") =>
    t.app.inject({ method: "PUT", url: `/api/v1/courses/mat/weeks/${url}`, headers: { ...who.headers, "content-type": contentType }, payload: body });
  const zip = (who: Signed, url: string, body: Buffer) =>
    t.app.inject({ method: "POST", url: `/api/v1/courses/mat/weeks/${url}`, headers: { ...who.headers, "content-type": "application/zip" }, payload: body });
  const rows = () => t.db.weekMaterial.count();

  it("stores a notebook in 1-teoria, world-readable, recorded with its size and hash", async () => {
    const notebook = JSON.stringify({ cells: [], nbformat: 4, nbformat_minor: 5, metadata: {} });
    const response = await put(ines, "2/materials/teoria/notebooks/intro.ipynb", notebook, "application/json");
    expect(response.statusCode, response.body).toBe(201);
    const { material } = bodyOf(MaterialResponse, response);
    expect(material).toMatchObject({ kind: "teoria", path: "notebooks/intro.ipynb", sizeBytes: Buffer.byteLength(notebook), uploadedBy: "ines" });
    expect(material.sha256).toBe(createHash("sha256").update(notebook).digest("hex"));
    const file = path.join(teoria, "notebooks", "intro.ipynb");
    expect(await readFile(file, "utf8")).toBe(notebook);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await t.incoming()).toEqual([]);
  });

  it("replaces a file at the same path and keeps one record", async () => {
    await put(ines, "2/materials/practicas/ex1.py", "print(1)\n");
    const again = await put(ines, "2/materials/practicas/ex1.py", "print(2)\n");
    expect(again.statusCode).toBe(201);
    expect(await readFile(path.join(practicas, "ex1.py"), "utf8")).toBe("print(2)\n");
    const list = bodyOf(MaterialList, await t.app.inject({ method: "GET", url: "/api/v1/courses/mat/weeks/2/materials", headers: { cookie: ines.cookie } }));
    expect(list.materials.map((m) => `${m.kind}:${m.path}`)).toEqual(["teoria:notebooks/intro.ipynb", "practicas:ex1.py"]);
    expect(list.maxFileBytes).toBe(LIMIT);
  });

  it("stores an empty file", async () => {
    const response = await t.app.inject({ method: "PUT", url: "/api/v1/courses/mat/weeks/2/materials/practicas/pkg/__init__.py", headers: ines.headers });
    expect(response.statusCode, response.body).toBe(201);
    expect(bodyOf(MaterialResponse, response).material.sizeBytes).toBe(0);
  });

  it("refuses path traversal, absolute paths, backslashes and NUL with validation_failed, writing nothing", async () => {
    const before = await rows();
    for (const bad of ["..%2F..%2F..%2Fevil.txt", "a%2F..%2F..%2Fevil.txt", "%2Fetc%2Fpasswd", "a%5Cb.txt", "a%00b.txt", "dir%2F", "C:%2Fwin.txt", "a%2F.%2Fb.txt"]) {
      const response = await put(ines, `2/materials/teoria/${bad}`, "x");
      expect(response.statusCode, `${bad}: ${response.body}`).toBe(400);
      expect(errorOf(response).error.code).toBe("validation_failed");
    }
    expect(await rows()).toBe(before);
    expect(await t.incoming()).toEqual([]);
    await expect(stat(path.join(t.dataDir, "evil.txt"))).rejects.toThrow();
    await expect(stat(path.join(t.dataDir, "materials", "evil.txt"))).rejects.toThrow();
  });

  it("refuses the seed's .dockerignore patterns with a message that says why", async () => {
    for (const [bad, why] of [
      ["__pycache__/m.cpython-311.pyc", /__pycache__/],
      ["model.pth", /model weights/],
      ["weights.pt", /model weights/],
      ["solution/answers.ipynb", /solutions/],
      [".ipynb_checkpoints/intro-checkpoint.ipynb", /autosaves/],
      [".git/config", /version-control/],
      ["m.pyc", /bytecode/],
    ] as const) {
      const response = await put(ines, `2/materials/practicas/${bad}`, "x");
      expect(response.statusCode, bad).toBe(400);
      expect(errorOf(response).error.message, bad).toMatch(why);
      expect(errorOf(response).error.message).toMatch(/\.dockerignore/);
    }
  });

  it("refuses an upload over the configured limit with payload_too_large, whether announced or streamed", async () => {
    const before = await rows();
    const announced = await put(ines, "2/materials/teoria/big.bin", Buffer.alloc(LIMIT + 1));
    expect(announced.statusCode).toBe(413);
    expect(errorOf(announced).error).toMatchObject({ code: "payload_too_large" });
    expect(errorOf(announced).error.message).toMatch(/64 KB limit/);

    // No Content-Length: the limit is enforced while streaming, and the partial file removed.
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8 * 1024, 1));
    const streamed = await put(ines, "2/materials/teoria/big2.bin", Readable.from(chunks));
    expect(streamed.statusCode, streamed.body).toBe(413);
    expect(errorOf(streamed).error.code).toBe("payload_too_large");
    expect(await rows()).toBe(before);
    expect(await t.incoming()).toEqual([]);
    await expect(stat(path.join(teoria, "big2.bin"))).rejects.toThrow();
  });

  it("extracts a zip into 2-practicas, skipping .dockerignore entries and listing them", async () => {
    const body = makeZip([
      { name: "lab/", mode: 0o040755 },
      { name: "lab/ex2.ipynb", data: "{}" },
      { name: "lab/util.py", data: "X = 1\n" },
      { name: "lab/__pycache__/util.cpython-311.pyc", data: "junk" },
      { name: "solution/ex2.ipynb", data: "answers" },
      { name: "__MACOSX/lab/._ex2.ipynb", data: "junk" },
    ]);
    const response = await zip(ines, "2/materials/practicas/zip?dir=week2", body);
    expect(response.statusCode, response.body).toBe(201);
    const report = bodyOf(ZipUploadReport, response);
    expect(report.stored.map((m) => m.path).sort()).toEqual(["week2/lab/ex2.ipynb", "week2/lab/util.py"]);
    expect(report.skipped.map((s) => s.path).sort()).toEqual(["week2/__MACOSX/lab/._ex2.ipynb", "week2/lab/__pycache__/util.cpython-311.pyc", "week2/solution/ex2.ipynb"]);
    expect(await readFile(path.join(practicas, "week2", "lab", "util.py"), "utf8")).toBe("X = 1\n");
    await expect(stat(path.join(practicas, "week2", "solution"))).rejects.toThrow();
    expect(await t.incoming()).toEqual([]);
  });

  it("refuses a zip with any unsafe entry and stores none of its files", async () => {
    const before = await rows();
    for (const [entries, why] of [
      [[{ name: "ok.txt", data: "fine" }, { name: "../evil.txt", data: "x" }], /leaves its folder/],
      [[{ name: "ok.txt", data: "fine" }, { name: "a/../../evil.txt", data: "x" }], /leaves its folder/],
      [[{ name: "ok.txt", data: "fine" }, { name: "/etc/cron.d/evil", data: "x" }], /absolute path/],
      [[{ name: "ok.txt", data: "fine" }, { name: "a\\..\\evil.txt", data: "x" }], /backslash/],
      [[{ name: "ok.txt", data: "fine" }, { name: "link", data: "/etc/passwd", mode: 0o120777 }], /symbolic link/],
      [[{ name: "ok.txt", data: "fine" }, { name: "ok.txt", data: "twice" }], /appears twice/],
      [[{ name: "solution/only.ipynb", data: "x" }], /excluded by the course's .dockerignore/],
    ] as const) {
      const response = await zip(ines, "2/materials/teoria/zip", makeZip([...entries]));
      expect(response.statusCode, response.body).toBe(400);
      expect(errorOf(response).error.code).toBe("validation_failed");
      expect(errorOf(response).error.message).toMatch(/nothing was stored/);
      expect(errorOf(response).error.message).toMatch(why);
    }
    const notZip = await zip(ines, "2/materials/teoria/zip", Buffer.from("this is not a zip"));
    expect(notZip.statusCode).toBe(400);
    expect(errorOf(notZip).error.message).toMatch(/not a zip/);
    expect(await rows()).toBe(before);
    expect(await t.incoming()).toEqual([]);
    await expect(stat(path.join(teoria, "ok.txt"))).rejects.toThrow();
  });

  it("refuses a zip whose entry is over the limit, from its directory, before inflating it", async () => {
    const response = await zip(ines, "2/materials/teoria/zip", makeZip([{ name: "big.bin", data: Buffer.alloc(LIMIT + 10) }]).subarray(0));
    // The zip itself is over the limit too here; either way nothing is stored.
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).error.code).toBe("payload_too_large");
  });

  it("refuses a file where a folder is, and a folder where a file is, with conflict", async () => {
    const folder = await put(ines, "2/materials/teoria/notebooks", "x");
    expect(folder.statusCode).toBe(409);
    const under = await put(ines, "2/materials/practicas/ex1.py/inner.py", "x");
    expect(under.statusCode).toBe(409);
    expect(errorOf(under).error.message).toMatch(/already a file/);
    expect(await t.incoming()).toEqual([]);
  });

  it("deletes a file and its record, and answers not_found the second time", async () => {
    const first = await t.app.inject({ method: "DELETE", url: "/api/v1/courses/mat/weeks/2/materials/teoria/notebooks/intro.ipynb", headers: ines.headers });
    expect(first.statusCode).toBe(204);
    await expect(stat(path.join(teoria, "notebooks"))).rejects.toThrow();
    const second = await t.app.inject({ method: "DELETE", url: "/api/v1/courses/mat/weeks/2/materials/teoria/notebooks/intro.ipynb", headers: ines.headers });
    expect(second.statusCode).toBe(404);
  });

  it("keeps uploads to the course's instructors, and refuses unknown weeks and parts", async () => {
    const student = await put(sara, "2/materials/teoria/x.txt", "x");
    expect(student.statusCode).toBe(403);
    const week = await put(ines, "9/materials/teoria/x.txt", "x");
    expect(week.statusCode).toBe(404);
    expect(errorOf(week).error.message).toMatch(/no week 9; its weeks are 1–3/);
    const part = await put(ines, "2/materials/proyecto/x.txt", "x");
    expect(part.statusCode).toBe(400);
    expect(await t.incoming()).toEqual([]);
  });
});
