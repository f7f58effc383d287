import type { FastifyInstance } from "fastify";
import collections from "./collections";
import courses from "./courses";
import materials from "./materials";
import roster from "./roster";
import weeks from "./weeks";

// Running a course (issue #6): one plugin per concern; materials and roster each carry their own
// content-type parsers, so raw uploads and CSV are accepted only on their routes.
export default async function courseRoutes(app: FastifyInstance): Promise<void> {
  await app.register(courses);
  await app.register(weeks);
  await app.register(materials);
  await app.register(roster);
  await app.register(collections);
}
