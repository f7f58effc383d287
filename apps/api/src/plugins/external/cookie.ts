import cookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

// Unsigned cookies: the session cookie is a random secret checked against the database, so a
// signature would add nothing.
async function cookies(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
}

export default fp(cookies, { name: "aula-cookie", fastify: "5.x" });
