import type { Metadata } from "next";
import { NotBuilt } from "../../../../components/ui/not-built";
import { PageHeader } from "../../../../components/ui/page-header";

export const metadata: Metadata = { title: "Environments" };

export default function EnvironmentsPage() {
  return (
    <>
      <PageHeader title="Environments" />
      <section className="card">
        <NotBuilt>
          <p>Environment images are not available yet.</p>
          <p>When they are, this page will list each week&apos;s image with its build status, size and smoke-test result, and let you build and publish new versions.</p>
        </NotBuilt>
      </section>
    </>
  );
}
