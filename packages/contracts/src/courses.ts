import { z } from "zod";
import { Timestamp, Username } from "./common";

// ---------------------------------------------------------------------------------------------
// A student's (or instructor's) own view: GET /me/courses.

export const MyWeek = z.object({
  number: z.number(),
  title: z.string(),
  released: z.boolean(),
  releaseAt: z.string().nullable(),
  environment: z
    .object({ name: z.string(), title: z.string(), gpu: z.enum(["none", "optional", "required"]), ready: z.boolean() })
    .nullable(),
  /**
   * True while the caller's running server is on this week but on another image than the week's
   * environment now publishes (the instructor changed the environment, or it was rebuilt): the
   * portal says "restart to get the new environment".
   */
  restartForNewEnvironment: z.boolean().optional(),
});
export const MyCourse = z.object({
  slug: z.string(),
  title: z.string(),
  role: z.enum(["student", "instructor"]),
  weeks: z.array(MyWeek),
});
export const MyCoursesResponse = z.object({ courses: z.array(MyCourse) });
export type MyCourse = z.infer<typeof MyCourse>;
export type MyWeek = z.infer<typeof MyWeek>;
export type MyCoursesResponse = z.infer<typeof MyCoursesResponse>;

// ---------------------------------------------------------------------------------------------
// Running a course (instructors of the course and admins).

/** The same rule as the database CHECK "Course_slug_check". */
export const CourseSlug = z
  .string()
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "Use lowercase letters, digits and '-', starting with a letter or digit (at most 64).");

export const CourseParams = z.object({ slug: CourseSlug });
/** Week numbers in the path; a number the course lacks is a not_found naming the course's range. */
export const WeekNumber = z.coerce.number().int("A week number is a whole number.").min(1, "Weeks start at 1.").max(104);
export const WeekParams = z.object({ slug: CourseSlug, week: WeekNumber });
export const CourseUserParams = z.object({ slug: CourseSlug, name: z.string().max(32) });

export const CreateCourseBody = z.strictObject({
  slug: CourseSlug,
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000).optional(),
  /** "bootcamp": the 24 weeks of the seed syllabus, each on its stage's environment; "empty": no weeks. */
  template: z.enum(["bootcamp", "empty"]).default("bootcamp"),
  /** Only with "empty": how many weeks to create (environment chosen later). */
  weeks: z.number().int().min(0).max(104).optional(),
});
export type CreateCourseBody = z.infer<typeof CreateCourseBody>;

export const WeekState = z.enum(["draft", "scheduled", "released", "closed"]);
export type WeekState = z.infer<typeof WeekState>;

export const CourseWeek = z.object({
  number: z.number(),
  title: z.string(),
  state: WeekState,
  /** Whether students see it now (the same rule the start preflight applies). */
  released: z.boolean(),
  releaseAt: Timestamp.nullable(),
  releasedAt: Timestamp.nullable(),
  closedAt: Timestamp.nullable(),
  environment: z
    .object({ name: z.string(), title: z.string(), gpu: z.enum(["none", "optional", "required"]), ready: z.boolean(), image: z.string().nullable() })
    .nullable(),
  materials: z.object({ teoria: z.number(), practicas: z.number() }),
});
export type CourseWeek = z.infer<typeof CourseWeek>;

export const CoursePerson = z.object({ username: z.string(), displayName: z.string() });

export const CourseSummary = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  weeks: z.number(),
  releasedWeeks: z.number(),
  students: z.number(),
  instructors: z.array(CoursePerson),
  createdAt: Timestamp,
});
export type CourseSummary = z.infer<typeof CourseSummary>;

export const CourseDetail = CourseSummary.extend({ weekList: z.array(CourseWeek) });
export type CourseDetail = z.infer<typeof CourseDetail>;

export const CourseList = z.object({ courses: z.array(CourseSummary) });
export type CourseList = z.infer<typeof CourseList>;
export const CourseResponse = z.object({ course: CourseDetail });
export type CourseResponse = z.infer<typeof CourseResponse>;

export const AddInstructorBody = z.strictObject({ username: Username });
export const EnrollStudentsBody = z.strictObject({ usernames: z.array(z.string().max(64)).min(1).max(1000) });
export const EnrollReport = z.object({
  enrolled: z.array(z.string()),
  refused: z.array(z.object({ username: z.string(), reason: z.string() })),
});
export type EnrollReport = z.infer<typeof EnrollReport>;

export const UpdateWeekBody = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  /** An environment name, or null to leave the week without one. Affects new starts only. */
  environment: z.string().max(64).nullable().optional(),
});
export type UpdateWeekBody = z.infer<typeof UpdateWeekBody>;

/** Without `at`: release now. With `at`: schedule the release (must be in the future). */
export const ReleaseWeekBody = z.strictObject({ at: Timestamp.optional() });
export type ReleaseWeekBody = z.infer<typeof ReleaseWeekBody>;

export const WeekResponse = z.object({ week: CourseWeek });
export type WeekResponse = z.infer<typeof WeekResponse>;

// ---------------------------------------------------------------------------------------------
// Materials: files of a week in 1-teoria (mounted read-only) or 2-practicas (copied once into
// each student's workspace).

export const MaterialKindName = z.enum(["teoria", "practicas"]);
export type MaterialKindName = z.infer<typeof MaterialKindName>;

export const MaterialParams = WeekParams.extend({ kind: MaterialKindName });
export const MaterialFileParams = MaterialParams.extend({ "*": z.string().max(2048) });

export const Material = z.object({
  kind: MaterialKindName,
  path: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  uploadedBy: z.string().nullable(),
  createdAt: Timestamp,
});
export type Material = z.infer<typeof Material>;

export const MaterialList = z.object({ materials: z.array(Material), maxFileBytes: z.number() });
export type MaterialList = z.infer<typeof MaterialList>;
export const MaterialResponse = z.object({ material: Material });
export type MaterialResponse = z.infer<typeof MaterialResponse>;

export const ZipUploadQuery = z.object({
  /** A folder inside the part to extract into; empty = the part's root. */
  dir: z.string().max(400).optional(),
});
export const ZipUploadReport = z.object({
  stored: z.array(Material),
  /** Entries left out on purpose (the seed's .dockerignore patterns, folders, OS debris). */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type ZipUploadReport = z.infer<typeof ZipUploadReport>;

// ---------------------------------------------------------------------------------------------
// Roster.

/** Header: username,display name[,email]. Role and course columns may be present (role must be student). */
export const RosterImportReport = z.object({
  /** New accounts; their passwords are shown exactly once. */
  created: z.array(z.object({ row: z.number().int(), username: z.string(), password: z.string() })),
  /** Existing accounts added to the course (they keep their password). */
  enrolled: z.array(z.object({ row: z.number().int(), username: z.string() })),
  refused: z.array(z.object({ row: z.number().int(), username: z.string().optional(), reason: z.string() })),
});
export type RosterImportReport = z.infer<typeof RosterImportReport>;

export const StudentWeekCell = z.object({
  week: z.number(),
  /** The student's server is active on this week right now. */
  running: z.boolean(),
  lastActiveAt: Timestamp.nullable(),
  gpuHours: z.number(),
  starts: z.number(),
});

export const CourseStudent = z.object({
  username: z.string(),
  displayName: z.string(),
  enrolledAt: Timestamp,
  server: z
    .object({
      id: z.string(),
      status: z.enum(["queued", "starting", "running", "stopping"]),
      week: z.number(),
      restartForNewEnvironment: z.boolean(),
    })
    .nullable(),
  lastActiveAt: Timestamp.nullable(),
  gpuHoursThisWeek: z.number(),
  gpuHoursTotal: z.number(),
  weeks: z.array(StudentWeekCell),
});
export type CourseStudent = z.infer<typeof CourseStudent>;

export const CourseStudents = z.object({ weeks: z.array(z.number()), students: z.array(CourseStudent) });
export type CourseStudents = z.infer<typeof CourseStudents>;

export const RemoveStudentResponse = z.object({ username: z.string(), serverStopped: z.boolean() });
export type RemoveStudentResponse = z.infer<typeof RemoveStudentResponse>;
export const StudentPasswordResponse = z.object({ username: z.string(), password: z.string() });
export type StudentPasswordResponse = z.infer<typeof StudentPasswordResponse>;
export const ServerAccessResponse = z.object({ serverId: z.string(), url: z.string(), expiresAt: Timestamp });
export type ServerAccessResponse = z.infer<typeof ServerAccessResponse>;

// ---------------------------------------------------------------------------------------------
// Collecting work into one archive.

export const CollectBody = z.discriminatedUnion("scope", [
  z.strictObject({ scope: z.literal("practicas"), week: z.number().int().min(1).max(104) }),
  z.strictObject({ scope: z.literal("proyecto") }),
]);
export type CollectBody = z.infer<typeof CollectBody>;

export const CollectionStatus = z.enum(["queued", "running", "ready", "failed"]);
export const Collection = z.object({
  id: z.string(),
  scope: z.enum(["practicas", "proyecto"]),
  week: z.number().nullable(),
  status: CollectionStatus,
  requestedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  /** Present when ready: GET it for the .tar.gz. */
  downloadUrl: z.string().nullable(),
  fileName: z.string(),
  students: z.number().nullable(),
  files: z.number().nullable(),
  bytes: z.number().nullable(),
  /** Students with nothing to collect (never started, or no folder), and why. */
  missing: z.array(z.object({ username: z.string(), reason: z.string() })),
  error: z.string().nullable(),
});
export type Collection = z.infer<typeof Collection>;
export const CollectionResponse = z.object({ collection: Collection });
export type CollectionResponse = z.infer<typeof CollectionResponse>;
export const CollectionList = z.object({ collections: z.array(Collection) });
export type CollectionList = z.infer<typeof CollectionList>;
export const CollectionParams = z.object({ slug: CourseSlug, id: z.uuid() });
