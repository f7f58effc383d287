import { IMPORT_CSV_MAX_BYTES, ImportReport, ImportUsersBody } from "@aula/contracts";
import { Role } from "@aula/db";
import { importUsersFromCsv } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireRole, requireUser } from "../../plugins/app/auth";

// Its own plugin so the text/csv parser exists only here; everywhere else CSV is a 415.
const importUsers: FastifyPluginAsyncZod = async (app) => {
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.post(
    "/users/import",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      bodyLimit: IMPORT_CSV_MAX_BYTES,
      schema: {
        tags: ["users"],
        summary: "Create users from CSV (admin): body text/csv, or JSON { csv }",
        description: "Header: username,display name,email,role,course. Each row is created or refused on its own.",
        body: z.union([z.string().max(IMPORT_CSV_MAX_BYTES), ImportUsersBody]),
        response: { 200: ImportReport },
      },
    },
    async (request) => {
      const csv = typeof request.body === "string" ? request.body : request.body.csv;
      return importUsersFromCsv(app.db, { csv, actorId: principalOf(request).userId, ip: request.ip });
    },
  );
};

export default importUsers;
