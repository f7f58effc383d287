import type { Metadata } from "next";
import { NotBuilt } from "../../../components/ui/not-built";
import { PageHeader } from "../../../components/ui/page-header";
import { Welcome } from "../../../components/shell/welcome";

export const metadata: Metadata = { title: "Dashboard" };

export default function DashboardPage() {
  return (
    <>
      <PageHeader title="Dashboard">
        <Welcome />
      </PageHeader>
      <section className="card">
        <h2>Your weeks</h2>
        <NotBuilt>
          <p>Starting servers is not available yet.</p>
          <p>When it is, this page will list the weeks of your courses that have been released, each with a Start button that opens your own Jupyter server for that week.</p>
        </NotBuilt>
      </section>
    </>
  );
}
