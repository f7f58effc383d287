import { AddInstructorBody, CourseList, CourseParams, CourseResponse, CourseUserParams, CreateCourseBody, EnrollReport, EnrollStudentsBody } from "@aula/contracts";
import { Role } from "@aula/db";
import { addCourseInstructor, createCourse, enrollStudents, getCourseDetail, listManagedCourses, removeCourseInstructor } from "@aula/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireRole, requireUser } from "../../plugins/app/auth";
import { actorOf, managedCourse } from "./context";

const teachers = [requireUser, requireRole(Role.INSTRUCTOR)];

// Courses as instructors run them: create, look, and who teaches or takes them.
const courses: FastifyPluginAsyncZod = async (app) => {
  app.get(
    "/courses",
    { onRequest: teachers, schema: { tags: ["courses"], summary: "The courses I manage (admins: every course)", response: { 200: CourseList } } },
    async (request) => ({ courses: await listManagedCourses(app.db, actorOf(request)) }),
  );

  app.post(
    "/courses",
    {
      onRequest: teachers,
      schema: {
        tags: ["courses"],
        summary: "Create a course from the 24-week bootcamp template or empty (an instructor becomes its instructor)",
        body: CreateCourseBody,
        response: { 201: CourseResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      const course = await createCourse(app.db, {
        slug: body.slug,
        title: body.title,
        ...(body.description !== undefined ? { description: body.description } : {}),
        template: body.template,
        ...(body.template === "empty" && body.weeks !== undefined ? { emptyWeeks: body.weeks } : {}),
        instructorId: actor.role === Role.INSTRUCTOR ? actor.userId : null,
        actorId: actor.userId,
        ip: request.ip,
      });
      return reply.status(201).send({ course: await getCourseDetail(app.db, course.id) });
    },
  );

  app.get(
    "/courses/:slug",
    { onRequest: teachers, schema: { tags: ["courses"], summary: "A course: weeks with release state, environment and materials; instructors", params: CourseParams, response: { 200: CourseResponse } } },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      return { course: await getCourseDetail(app.db, course.id) };
    },
  );

  app.post(
    "/courses/:slug/instructors",
    {
      onRequest: teachers,
      schema: { tags: ["courses"], summary: "Add an instructor (an instructor or admin account)", params: CourseParams, body: AddInstructorBody, response: { 200: CourseResponse } },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      await addCourseInstructor(app.db, { course, username: request.body.username, actorId: actorOf(request).userId, ip: request.ip });
      return { course: await getCourseDetail(app.db, course.id) };
    },
  );

  app.delete(
    "/courses/:slug/instructors/:name",
    { onRequest: teachers, schema: { tags: ["courses"], summary: "Remove an instructor (never the last one)", params: CourseUserParams, response: { 200: CourseResponse } } },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      await removeCourseInstructor(app.db, { course, username: request.params.name, actorId: actorOf(request).userId, ip: request.ip });
      return { course: await getCourseDetail(app.db, course.id) };
    },
  );

  app.post(
    "/courses/:slug/students",
    {
      onRequest: teachers,
      schema: { tags: ["courses"], summary: "Enroll existing student accounts; each is enrolled or refused with a reason", params: CourseParams, body: EnrollStudentsBody, response: { 200: EnrollReport } },
    },
    async (request) => {
      const course = await managedCourse(app, request, request.params.slug);
      return enrollStudents(app.db, { course, usernames: request.body.usernames, actorId: actorOf(request).userId, ip: request.ip });
    },
  );
};

export default courses;
