import type { Metadata } from "next";
import { NotBuilt } from "../../../components/ui/not-built";
import { PageHeader } from "../../../components/ui/page-header";

export const metadata: Metadata = { title: "Courses" };

export default function CoursesPage() {
  return (
    <>
      <PageHeader title="Courses" />
      <section className="card">
        <NotBuilt>
          <p>Course management is not available yet.</p>
          <p>When it is, this page will list your courses, their weeks and release dates, and the students enrolled in each.</p>
        </NotBuilt>
      </section>
    </>
  );
}
