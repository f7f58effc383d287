import { z } from "zod";

export const MyWeek = z.object({
  number: z.number(),
  title: z.string(),
  released: z.boolean(),
  releaseAt: z.string().nullable(),
  environment: z
    .object({ name: z.string(), title: z.string(), gpu: z.enum(["none", "optional", "required"]), ready: z.boolean() })
    .nullable(),
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
