import { AuditList, CreateUserResponse, UserList, UserResponse } from "@aula/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyOf, createAccount, createTestApp, errorOf, type Signed, signIn, type TestApp } from "../support/test-app";

let t: TestApp;
let admin: Signed;

beforeAll(async () => {
  t = await createTestApp();
  await createAccount(t.db, "root", "admin");
  admin = await signIn(t.app, "root");
});

afterAll(async () => {
  await t.close();
});

describe("user administration", () => {
  it("creates a user with a generated password shown once, who can then sign in", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: admin.headers,
      payload: { username: "ada", displayName: "Ada Lovelace", email: "ada@example.org", role: "student" },
    });
    expect(response.statusCode).toBe(201);
    const { user, password } = bodyOf(CreateUserResponse, response);
    expect(user).toMatchObject({ username: "ada", displayName: "Ada Lovelace", email: "ada@example.org", role: "student", disabled: false });
    expect(typeof password).toBe("string");
    await signIn(t.app, "ada", password);

    const row = await t.db.user.findUniqueOrThrow({ where: { username: "ada" } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it("does not echo a password the admin chose", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/api/v1/users",
      headers: admin.headers,
      payload: { username: "alan", displayName: "Alan Turing", role: "instructor", password: "chosen by the admin" },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).not.toHaveProperty("password");
    await signIn(t.app, "alan", "chosen by the admin");
  });

  it("refuses a username that is taken", async () => {
    const response = await t.app.inject({ method: "POST", url: "/api/v1/users", headers: admin.headers, payload: { username: "ada", displayName: "Other Ada", role: "student" } });
    expect(response.statusCode).toBe(409);
    expect(errorOf(response).error.code).toBe("conflict");
  });

  it("searches by username or display name, filters by role and pages with a cursor", async () => {
    for (const [name, display] of [["s1", "Grace Hopper"], ["s2", "Barbara Liskov"], ["s3", "Margaret Hamilton"]] as const) {
      await createAccount(t.db, name);
      await t.db.user.update({ where: { username: name }, data: { displayName: display } });
    }
    const byName = await t.app.inject({ method: "GET", url: "/api/v1/users?query=hopper", headers: { cookie: admin.cookie } });
    expect(bodyOf(UserList, byName).users.map((u) => u.username)).toEqual(["s1"]);

    const instructors = await t.app.inject({ method: "GET", url: "/api/v1/users?role=instructor", headers: { cookie: admin.cookie } });
    expect(bodyOf(UserList, instructors).users.map((u) => u.username)).toEqual(["alan"]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await t.app.inject({ method: "GET", url: `/api/v1/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`, headers: { cookie: admin.cookie } });
      expect(response.statusCode).toBe(200);
      const body: UserList = bodyOf(UserList, response);
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...body.users.map((u) => u.username));
      cursor = body.nextCursor;
    } while (cursor);
    const all = (await t.db.user.findMany({ orderBy: { username: "asc" } })).map((u) => u.username);
    expect(seen).toEqual(all);
  });

  it("edits display name, email and role", async () => {
    const response = await t.app.inject({
      method: "PATCH",
      url: "/api/v1/users/ada",
      headers: admin.headers,
      payload: { displayName: "Countess of Lovelace", email: null, role: "instructor" },
    });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(UserResponse, response).user).toMatchObject({ displayName: "Countess of Lovelace", email: null, role: "instructor" });
    const one = await t.app.inject({ method: "GET", url: "/api/v1/users/ada", headers: { cookie: admin.cookie } });
    expect(bodyOf(UserResponse, one).user.role).toBe("instructor");
  });

  it("answers not_found for a user that does not exist", async () => {
    const response = await t.app.inject({ method: "PATCH", url: "/api/v1/users/ghost", headers: admin.headers, payload: { displayName: "Ghost" } });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).error.code).toBe("not_found");
  });

  it("keeps the admin endpoints from students and lets a user read only their own record", async () => {
    await createAccount(t.db, "stu");
    const stu = await signIn(t.app, "stu");
    const list = await t.app.inject({ method: "GET", url: "/api/v1/users", headers: { cookie: stu.cookie } });
    expect(list.statusCode).toBe(403);
    const create = await t.app.inject({ method: "POST", url: "/api/v1/users", headers: stu.headers, payload: { username: "sneaky", displayName: "S", role: "admin" } });
    expect(create.statusCode).toBe(403);
    expect(await t.db.user.findUnique({ where: { username: "sneaky" } })).toBeNull();
    expect((await t.app.inject({ method: "GET", url: "/api/v1/users/stu", headers: { cookie: stu.cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/users/ada", headers: { cookie: stu.cookie } })).statusCode).toBe(403);
    const anonymous = await t.app.inject({ method: "GET", url: "/api/v1/users" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("records admin actions in the audit log, listed newest first with paging and a filter", async () => {
    const all = await t.app.inject({ method: "GET", url: "/api/v1/audit?limit=100", headers: { cookie: admin.cookie } });
    expect(all.statusCode).toBe(200);
    const events = all.json<{ events: { id: string; action: string; actor: { username: string } | null; ip: string | null }[] }>().events;
    const actions = events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["user.create", "user.update"]));
    const created = events.find((e) => e.action === "user.create" && e.actor?.username === "root");
    expect(created?.ip).toBe("127.0.0.1");
    const ids = events.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);

    const first = await t.app.inject({ method: "GET", url: "/api/v1/audit?limit=1&action=user.create", headers: { cookie: admin.cookie } });
    const page = bodyOf(AuditList, first);
    expect(page.events).toHaveLength(1);
    expect(page.events[0]?.action).toBe("user.create");
    const next = await t.app.inject({ method: "GET", url: `/api/v1/audit?limit=1&action=user.create&cursor=${page.nextCursor}`, headers: { cookie: admin.cookie } });
    expect(bodyOf(AuditList, next).events[0]?.action).toBe("user.create");
    expect(bodyOf(AuditList, next).events[0]?.id).not.toBe(page.events[0]?.id);

    const stu = await signIn(t.app, "stu");
    expect((await t.app.inject({ method: "GET", url: "/api/v1/audit", headers: { cookie: stu.cookie } })).statusCode).toBe(403);
  });
});
