import { AuditList, ListAuditQuery } from "@aula/contracts";
import { Role } from "@aula/db";
import { listAuditEvents } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireUser } from "../../plugins/app/auth";

const audit: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/audit",
    {
      onRequest: [requireUser, requireRole(Role.ADMIN)],
      schema: { tags: ["audit"], summary: "Admin actions, newest first (admin)", querystring: ListAuditQuery, response: { 200: AuditList } },
    },
    async (request) => listAuditEvents(app.db, request.query),
  );
};

export default audit;
