import { CreateUserBody, CreateUserResponse, ListUsersQuery, PasswordResetResponse, UpdateUserBody, UserList, UserParams, UserResponse } from "@aula/contracts";
import { Role } from "@aula/db";
import { createUser, getUserByUsername, listUsers, resetPassword, updateUser, userView } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireRole, requireSelfOrAdmin, requireUser } from "../../plugins/app/auth";
import importUsers from "./import";

const adminOnly = [requireUser, requireRole(Role.ADMIN)];

const users: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/users",
    { onRequest: adminOnly, schema: { tags: ["users"], summary: "Search users (admin)", querystring: ListUsersQuery, response: { 200: UserList } } },
    async (request) => {
      const page = await listUsers(app.db, request.query);
      return { users: page.users.map(userView), nextCursor: page.nextCursor };
    },
  );

  app.post(
    "/users",
    {
      onRequest: adminOnly,
      schema: {
        tags: ["users"],
        summary: "Create a user (admin); a generated password is returned once",
        body: CreateUserBody,
        response: { 201: CreateUserResponse },
      },
    },
    async (request, reply) => {
      const created = await createUser(app.db, { ...request.body, actorId: principalOf(request).userId, ip: request.ip });
      return reply.status(201).send({ user: userView(created.user), ...(created.generated ? { password: created.password } : {}) });
    },
  );

  app.get(
    "/users/:name",
    { onRequest: requireUser, schema: { tags: ["users"], summary: "One user (admin or the user)", params: UserParams, response: { 200: UserResponse } } },
    async (request) => {
      requireSelfOrAdmin(request, request.params.name);
      return { user: userView(await getUserByUsername(app.db, request.params.name)) };
    },
  );

  app.patch(
    "/users/:name",
    {
      onRequest: adminOnly,
      schema: {
        tags: ["users"],
        summary: "Edit a user (admin); disabling ends their sessions and API tokens",
        params: UserParams,
        body: UpdateUserBody,
        response: { 200: UserResponse },
      },
    },
    async (request) => {
      const user = await updateUser(app.db, { username: request.params.name, ...request.body, actorId: principalOf(request).userId, ip: request.ip });
      if (request.body.disabled === true) await app.revokeUser(user.id);
      // A role change must not wait for the session cache to expire.
      else app.forgetUser(user.id);
      return { user: userView(user) };
    },
  );

  app.post(
    "/users/:name/password",
    {
      onRequest: adminOnly,
      schema: {
        tags: ["users"],
        summary: "Reset a password (admin); returns the new one once and ends every session",
        params: UserParams,
        response: { 200: PasswordResetResponse },
      },
    },
    async (request) => {
      const { user, password } = await resetPassword(app.db, { username: request.params.name, actorId: principalOf(request).userId, ip: request.ip });
      await app.revokeUser(user.id);
      return { password };
    },
  );

  await app.register(importUsers);
};

export default users;
