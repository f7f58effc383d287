import type { FastifyInstance } from "fastify";
import audit from "./audit";
import auth from "./auth";
import builds from "./builds";
import courses from "./courses";
import environments from "./environments";
import gpus from "./gpus";
import health from "./health";
import maintenance from "./maintenance";
import me from "./me";
import quotas from "./quotas";
import servers from "./servers";
import tokens from "./tokens";
import users from "./users";

// Every resource under /api/v1, one folder each. Add a folder and one line here.
export default async function routes(app: FastifyInstance): Promise<void> {
  await app.register(health);
  await app.register(auth);
  await app.register(me);
  await app.register(users);
  await app.register(tokens);
  await app.register(maintenance);
  await app.register(servers);
  await app.register(audit);
  await app.register(environments);
  await app.register(builds);
  await app.register(courses);
  await app.register(gpus);
  await app.register(quotas);
}
