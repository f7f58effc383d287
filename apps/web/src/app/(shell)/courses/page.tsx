import type { Metadata } from "next";
import { DashboardView } from "../../../components/servers/dashboard-view";

export const metadata: Metadata = { title: "Courses" };

// Instructors' home. Their tools (releases, environments, students) are not built yet: until they
// are, instructors see their courses as students do, and the page says so.
export default function CoursesPage() {
  return <DashboardView title="Courses" />;
}
