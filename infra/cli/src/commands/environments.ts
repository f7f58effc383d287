import path from "node:path";
import Docker from "dockerode";
import { buildEnvironment, chooseRecipe } from "@aula/docker";
import { syncEnvironments } from "@aula/domain";
import type { Context } from "./index";

const environmentsDir = (ctx: Context) => path.join(ctx.env.ROOT, "docker", "environments");

export async function envCommand(ctx: Context, args: string[]): Promise<void> {
  const [sub, name] = args;
  const db = ctx.db();
  switch (sub) {
    case "sync": {
      const r = await syncEnvironments({ db, environmentsDir: environmentsDir(ctx) });
      console.log(`    environments: ${[...r.created, ...r.updated].join(", ")}`);
      return;
    }
    case "build": {
      if (!name) throw new Error("usage: ./aula env build <name>");
      const docker = new Docker({ socketPath: "/var/run/docker.sock" });
      const result = await buildEnvironment({ db, docker, name, environmentsDir: environmentsDir(ctx), onLog: (line) => console.log(`    ${line}`) });
      if (result.status === "FAILED") throw new Error(`environment ${name} failed: ${result.error ?? "see the log above"}`);
      const b = result.build;
      const mb = b.sizeBytes ? `${Math.round(Number(b.sizeBytes) / 1e6)} MB` : "?";
      console.log(`    ${name}: ${result.status.toLowerCase()} · ${b.imageTag} · ${mb}${result.published ? " · published" : ""}`);
      return;
    }
    case "list": {
      const envs = await db.environment.findMany({ orderBy: { name: "asc" } });
      for (const e of envs) {
        console.log(`${e.name.padEnd(14)} ${e.weeksLabel.padEnd(8)} gpu=${e.gpu.toLowerCase().padEnd(9)} ${e.publishedImage ?? "(not published)"}`);
      }
      return;
    }
    default:
      throw new Error("usage: ./aula env sync|build <name>|list");
  }
}

export async function describeRecipe(): Promise<string> {
  const choice = await chooseRecipe({ docker: new Docker({ socketPath: "/var/run/docker.sock" }) });
  return `${choice.recipe}: ${choice.reason}`;
}
