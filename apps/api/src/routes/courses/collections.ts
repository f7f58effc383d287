import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { AppError, CollectBody, CollectionList, CollectionParams, CollectionResponse, CourseParams, type Collection } from "@aula/contracts";
import { Role } from "@aula/db";
import { collectionFile, collectionFileName, findCourseWeek, recordAudit } from "@aula/domain";
import { CollectResult, createCollectQueue, enqueueCollect, type CollectPayload } from "@aula/queue";
import type { Job } from "bullmq";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { actorOf, dataDirOf, managedCourse } from "./context";

const teachers = [requireUser, requireRole(Role.INSTRUCTOR)];

type CollectJob = Job<CollectPayload, CollectResult>;

async function collectionView(job: CollectJob): Promise<Collection> {
  const data = job.data;
  const state = await job.getState();
  const result = state === "completed" ? CollectResult.safeParse(job.returnvalue) : null;
  const status: Collection["status"] = state === "completed" ? "ready" : state === "failed" ? "failed" : state === "active" ? "running" : "queued";
  const done = result?.success ? result.data : null;
  return {
    id: data.collectionId,
    scope: data.scope,
    week: data.week,
    status,
    requestedAt: data.requestedAt,
    finishedAt: done?.finishedAt ?? (job.finishedOn ? new Date(job.finishedOn).toISOString() : null),
    downloadUrl: status === "ready" ? `/api/v1/courses/${data.courseSlug}/collections/${data.collectionId}/download` : null,
    fileName: collectionFileName(data.courseSlug, data.scope, data.week, new Date(data.requestedAt)),
    students: done?.students ?? null,
    files: done?.files ?? null,
    bytes: done?.bytes ?? null,
    missing: done?.missing ?? [],
    error: status === "failed" ? (job.failedReason || "The collection failed.") : null,
  };
}

// Collecting work: the worker reads every student's volume through a short-lived, offline,
// read-only helper container and writes one .tar.gz; the api enqueues, reports and serves it.
const collections: FastifyPluginAsyncZod = async (app) => {
  const queue = createCollectQueue(app.redis, app.config.redisPrefix);
  app.addHook("onClose", async () => queue.close());

  async function findJob(courseId: string, id: string): Promise<CollectJob> {
    const job = (await queue.getJob(id)) as CollectJob | undefined;
    if (!job || job.data.courseId !== courseId) throw new AppError("not_found", "There is no such collection for this course; collections are kept for a week.");
    return job;
  }

  app.post(
    "/courses/:slug/collections",
    {
      onRequest: teachers,
      schema: {
        tags: ["collections"],
        summary: "Collect every student's 2-practicas/week-NN ({ scope: practicas, week }) or 3-proyecto ({ scope: proyecto }) into one archive (202)",
        params: CourseParams,
        body: CollectBody,
        response: { 202: CollectionResponse },
      },
    },
    async (request, reply) => {
      const course = await managedCourse(app, request, request.params.slug);
      dataDirOf(app);
      const body = request.body;
      const week = body.scope === "practicas" ? (await findCourseWeek(app.db, course, body.week)).number : null;
      const actor = actorOf(request);
      const payload: CollectPayload = {
        collectionId: randomUUID(),
        courseId: course.id,
        courseSlug: course.slug,
        scope: body.scope,
        week,
        requestedById: actor.userId,
        requestedAt: new Date().toISOString(),
      };
      await enqueueCollect(queue, payload);
      await recordAudit(app.db, { actorId: actor.userId, action: "course.collect", targetType: "course", targetId: course.id, data: { course: course.slug, scope: body.scope, week, collectionId: payload.collectionId }, ip: request.ip });
      return reply.status(202).send({ collection: await collectionView(await findJob(course.id, payload.collectionId)) });
    },
  );

  app.get(
    "/courses/:slug/collections",
    { onRequest: teachers, schema: { tags: ["collections"], summary: "This course's collections of the last week, newest first", params: CourseParams, response: { 200: CollectionList } } },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      const jobs = (await queue.getJobs(["active", "waiting", "delayed", "prioritized", "completed", "failed"], 0, 500)) as (CollectJob | undefined)[];
      const mine = jobs.filter((j): j is CollectJob => j !== undefined && j.data.courseId === course.id);
      mine.sort((a, b) => b.data.requestedAt.localeCompare(a.data.requestedAt));
      return { collections: await Promise.all(mine.slice(0, 20).map(collectionView)) };
    },
  );

  app.get(
    "/courses/:slug/collections/:id",
    { onRequest: teachers, schema: { tags: ["collections"], summary: "A collection's status", params: CollectionParams, response: { 200: CollectionResponse } } },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      return { collection: await collectionView(await findJob(course.id, request.params.id)) };
    },
  );

  app.get(
    "/courses/:slug/collections/:id/download",
    { onRequest: teachers, schema: { tags: ["collections"], summary: "The collected archive (.tar.gz: <course>-…/<username>/…)", params: CollectionParams } },
    async (request, reply) => {
      const course = await managedCourse(app, request, request.params.slug);
      const job = await findJob(course.id, request.params.id);
      const view = await collectionView(job);
      if (view.status !== "ready") throw new AppError("conflict", view.status === "failed" ? `This collection failed: ${view.error ?? ""}` : "This collection is not ready yet; try again in a moment.");
      const file = collectionFile(dataDirOf(app), course.slug, view.id);
      const info = await stat(file).catch(() => null);
      if (!info) throw new AppError("not_found", "This collection's archive is gone (archives are kept for a week). Collect again.");
      return reply
        .header("content-type", "application/gzip")
        .header("content-length", String(info.size))
        .header("content-disposition", `attachment; filename="${view.fileName}"`)
        .header("cache-control", "no-store")
        .send(createReadStream(file));
    },
  );
};

export default collections;
