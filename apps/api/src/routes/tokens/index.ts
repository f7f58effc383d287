import { ApiTokenList, ApiTokenParams, CreateApiTokenBody, CreatedApiToken, UserParams } from "@aula/contracts";
import { createApiToken, getUserByUsername, listApiTokens, revokeApiToken } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireSelfOrAdmin, requireUser } from "../../plugins/app/auth";

// API tokens for scripts and the CLI. The owner or an admin manages them; the secret is shown
// once, at creation.
const tokens: FastifyPluginAsyncZod = async (app) => {
  app.post(
    "/users/:name/tokens",
    {
      onRequest: requireUser,
      schema: {
        tags: ["tokens"],
        summary: "Create an API token; the secret is in this response only",
        params: UserParams,
        body: CreateApiTokenBody,
        response: { 201: CreatedApiToken },
      },
    },
    async (request, reply) => {
      const actor = requireSelfOrAdmin(request, request.params.name);
      const user = await getUserByUsername(app.db, request.params.name);
      const created = await createApiToken(app.db, { userId: user.id, ...request.body, actorId: actor.userId, ip: request.ip });
      return reply.status(201).send(created);
    },
  );

  app.get(
    "/users/:name/tokens",
    { onRequest: requireUser, schema: { tags: ["tokens"], summary: "List API tokens (never their secrets)", params: UserParams, response: { 200: ApiTokenList } } },
    async (request) => {
      requireSelfOrAdmin(request, request.params.name);
      const user = await getUserByUsername(app.db, request.params.name);
      return { tokens: await listApiTokens(app.db, { userId: user.id }) };
    },
  );

  app.delete(
    "/users/:name/tokens/:id",
    { onRequest: requireUser, schema: { tags: ["tokens"], summary: "Revoke an API token", params: ApiTokenParams, response: { 204: z.undefined() } } },
    async (request, reply) => {
      const actor = requireSelfOrAdmin(request, request.params.name);
      const user = await getUserByUsername(app.db, request.params.name);
      await revokeApiToken(app.db, { userId: user.id, tokenId: request.params.id, actorId: actor.userId, ip: request.ip });
      return reply.status(204).send();
    },
  );
};

export default tokens;
