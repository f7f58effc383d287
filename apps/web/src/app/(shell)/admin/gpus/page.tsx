import type { Metadata } from "next";
import { NotBuilt } from "../../../../components/ui/not-built";
import { PageHeader } from "../../../../components/ui/page-header";

export const metadata: Metadata = { title: "GPUs" };

export default function GpusPage() {
  return (
    <>
      <PageHeader title="GPUs" />
      <section className="card">
        <NotBuilt>
          <p>The GPU inventory is not available yet.</p>
          <p>When it is, this page will show each GPU, who holds it, the queue of students waiting for one, and GPU-hours used against each quota.</p>
        </NotBuilt>
      </section>
    </>
  );
}
