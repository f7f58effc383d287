import { createCourse, createUser, enrollUser, roleName } from "@aula/domain";
import type { CourseRole, Role } from "@aula/db";
import { readStateFile, writeSecretFile } from "../state";
import type { Context } from "./index";

const DEMO_COURSE = { slug: "pytorch-zero-to-hero", title: "PyTorch Zero to Hero" };
const DEMO_USERS: { username: string; displayName: string; role: Role; courseRole: CourseRole }[] = [
  { username: "profe", displayName: "Profesora Demo", role: "INSTRUCTOR", courseRole: "INSTRUCTOR" },
  { username: "ana", displayName: "Ana Demo", role: "STUDENT", courseRole: "STUDENT" },
  { username: "luis", displayName: "Luis Demo", role: "STUDENT", courseRole: "STUDENT" },
  { username: "marta", displayName: "Marta Demo", role: "STUDENT", courseRole: "STUDENT" },
];

interface DemoCredentials {
  url: string;
  course: string;
  users: { username: string; password: string; role: string }[];
}

/**
 * `./aula seed demo`: the bootcamp course with weeks 1-2 released, one instructor and three
 * students. Safe to run twice: existing users keep their passwords (already in the file).
 */
export async function seedCommand(ctx: Context, args: string[]): Promise<void> {
  if (args[0] !== "demo") throw new Error("usage: ./aula seed demo");
  const db = ctx.db();
  const course =
    (await db.course.findUnique({ where: { slug: DEMO_COURSE.slug } })) ?? (await createCourse(db, { ...DEMO_COURSE, template: "bootcamp", releasedThrough: 2 }));

  const previous = await readStateFile(ctx.env.ROOT, "demo-credentials.json");
  const known = new Map((previous ? (JSON.parse(previous) as DemoCredentials).users : []).map((u) => [u.username, u]));
  const credentials: DemoCredentials = { url: ctx.env.AULA_PUBLIC_URL, course: DEMO_COURSE.slug, users: [] };
  for (const demo of DEMO_USERS) {
    let user = await db.user.findUnique({ where: { username: demo.username } });
    let password = known.get(demo.username)?.password;
    if (!user) {
      const created = await createUser(db, { username: demo.username, displayName: demo.displayName, role: roleName(demo.role) });
      user = await db.user.findUniqueOrThrow({ where: { id: created.user.id } });
      password = created.password;
    }
    await enrollUser(db, { courseId: course.id, userId: user.id, role: demo.courseRole });
    credentials.users.push({ username: demo.username, password: password ?? "(set earlier; ./aula user reset-password)", role: demo.role.toLowerCase() });
  }
  const file = await writeSecretFile(ctx.env.ROOT, "demo-credentials.json", JSON.stringify(credentials, null, 2) + "\n");
  console.log(`    demo course "${DEMO_COURSE.title}" ready (weeks 1-2 released); credentials in ${file}`);
}
