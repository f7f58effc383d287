import { Readable } from "node:stream";
import { MaterialFileParams, MaterialList, MaterialParams, MaterialResponse, WeekParams, ZipUploadQuery, ZipUploadReport } from "@aula/contracts";
import { Role } from "@aula/db";
import { deleteMaterial, findCourseWeek, kindFromName, listMaterials, tooLarge, uploadMaterialFile, uploadMaterialZip, type MaterialTarget } from "@aula/domain";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { MaterialKindName } from "@aula/contracts";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { actorOf, dataDirOf, managedCourse, materialMaxBytes } from "./context";

const teachers = [requireUser, requireRole(Role.INSTRUCTOR)];

/** The request body as a stream, whatever its content type (see the parser below). */
function bodyStream(request: FastifyRequest): Readable {
  const body = request.body;
  if (body instanceof Readable) return body;
  // No body at all (Content-Length: 0): an empty file is a file (__init__.py).
  return Readable.from([]);
}

/** Refuses a declared Content-Length over the limit before reading a byte. */
function checkDeclaredLength(request: FastifyRequest, limit: number, what: string): void {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(what, limit);
}

async function targetOf(app: FastifyInstance, request: FastifyRequest, params: { slug: string; week: number; kind: MaterialKindName }): Promise<MaterialTarget> {
  const course = await managedCourse(app, request, params.slug);
  const week = await findCourseWeek(app.db, course, params.week);
  return { dataDir: dataDirOf(app), course, week: { id: week.id, number: week.number }, kind: kindFromName[params.kind] };
}

// Week materials: files into 1-teoria (read-only in every server of the week) or 2-practicas
// (copied once into each student's workspace). Uploads are the raw request body, streamed to a
// temporary file with a size limit and renamed into place, so a 200 MB file never sits in memory
// and nothing is half-written.
const materials: FastifyPluginAsyncZod = async (app) => {
  // In this plugin only, every body is handed over unparsed: a .json or .csv file is a file to
  // store, not a document for us to read. Fastify's bodyLimit applies to parsed bodies only; the
  // material limit is enforced while streaming.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

  app.get(
    "/courses/:slug/weeks/:week/materials",
    { onRequest: teachers, schema: { tags: ["materials"], summary: "The week's files in 1-teoria and 2-practicas", params: WeekParams, response: { 200: MaterialList } } },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const week = await findCourseWeek(app.db, course, request.params.week);
      return { materials: await listMaterials(app.db, week.id), maxFileBytes: materialMaxBytes(app) };
    },
  );

  app.put(
    "/courses/:slug/weeks/:week/materials/:kind/*",
    {
      onRequest: teachers,
      schema: {
        tags: ["materials"],
        summary: "Upload one file (raw body) to teoria or practicas at the path after the kind; replaces an earlier version",
        params: MaterialFileParams,
        response: { 201: MaterialResponse },
      },
    },
    async (request, reply) => {
      const max = materialMaxBytes(app);
      const path = request.params["*"];
      checkDeclaredLength(request, max, `"${path.slice(0, 80)}"`);
      const target = await targetOf(app, request, request.params);
      const material = await uploadMaterialFile(app.db, { target, path, source: bodyStream(request), maxFileBytes: max, actor: { id: actorOf(request).userId, ip: request.ip } });
      return reply.status(201).send({ material });
    },
  );

  app.post(
    "/courses/:slug/weeks/:week/materials/:kind/zip",
    {
      onRequest: teachers,
      schema: {
        tags: ["materials"],
        summary: "Upload a .zip (raw body) and extract it safely into teoria or practicas (optionally under ?dir=)",
        params: MaterialParams,
        querystring: ZipUploadQuery,
        response: { 201: ZipUploadReport },
      },
    },
    async (request, reply) => {
      const max = materialMaxBytes(app);
      checkDeclaredLength(request, max, "This zip");
      const target = await targetOf(app, request, request.params);
      const report = await uploadMaterialZip(app.db, {
        target,
        source: bodyStream(request),
        maxFileBytes: max,
        ...(request.query.dir !== undefined ? { dir: request.query.dir } : {}),
        actor: { id: actorOf(request).userId, ip: request.ip },
      });
      return reply.status(201).send(report);
    },
  );

  app.delete(
    "/courses/:slug/weeks/:week/materials/:kind/*",
    { onRequest: teachers, schema: { tags: ["materials"], summary: "Delete one file of the week", params: MaterialFileParams } },
    async (request, reply) => {
      const target = await targetOf(app, request, request.params);
      await deleteMaterial(app.db, { ...target, path: request.params["*"] }, { id: actorOf(request).userId, ip: request.ip });
      return reply.status(204).send();
    },
  );
};

export default materials;
