import { createUser } from "@aula/domain";
import { readStateFile, writeSecretFile } from "../state";
import type { Context } from "./index";

const ADMIN_FILE = "admin-credentials";

/**
 * Creates the first admin when there is none. The password comes from AULA_ADMIN_PASSWORD or is
 * generated; it is printed once and saved 0600 in .aula/admin-credentials.
 */
export async function bootstrapAdmin(ctx: Context): Promise<void> {
  const db = ctx.db();
  const existing = await db.user.findFirst({ where: { role: "ADMIN" }, select: { username: true } });
  if (existing) return;
  const { user, password } = await createUser(db, {
    username: "admin",
    displayName: "Administrator",
    role: "admin",
    ...(ctx.env.AULA_ADMIN_PASSWORD ? { password: ctx.env.AULA_ADMIN_PASSWORD } : {}),
  });
  const shown = password ?? ctx.env.AULA_ADMIN_PASSWORD ?? "";
  const file = await writeSecretFile(ctx.env.ROOT, ADMIN_FILE, `username=${user.username}\npassword=${shown}\n`);
  console.log(`    created the first admin "${user.username}" (password saved in ${file})`);
}

export async function printCredentials(ctx: Context): Promise<void> {
  const admin = await readStateFile(ctx.env.ROOT, ADMIN_FILE);
  if (admin) {
    const fields = Object.fromEntries(admin.trim().split("\n").map((l) => l.split("=", 2) as [string, string]));
    console.log(`    admin:    ${fields.username}  password: ${fields.password}   (from .aula/${ADMIN_FILE})`);
  } else {
    console.log("    admin:    created earlier; reset with ./aula user reset-password admin");
  }
  const demo = await readStateFile(ctx.env.ROOT, "demo-credentials.json");
  if (demo) {
    const parsed = JSON.parse(demo) as { users: { username: string; password: string; role: string }[] };
    for (const u of parsed.users) console.log(`    ${u.role.padEnd(9)} ${u.username}  password: ${u.password}`);
  }
}
