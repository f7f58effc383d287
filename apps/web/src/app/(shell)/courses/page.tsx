import type { Metadata } from "next";
import { CoursesView } from "../../../components/courses/courses-view";

export const metadata: Metadata = { title: "Courses" };

// Instructors' home (admins see every course): the courses they run.
export default function CoursesPage() {
  return <CoursesView />;
}
