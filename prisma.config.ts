// Prisma CLI configuration. Only `prisma generate` runs on our machines (it needs no database);
// the URL is read for `prisma migrate deploy` on machines where Prisma's engines can run.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://aula@127.0.0.1:5432/aula" },
});
