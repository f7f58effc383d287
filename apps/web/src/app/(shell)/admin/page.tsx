import type { Metadata } from "next";
import Link from "next/link";
import { NotBuilt } from "../../../components/ui/not-built";
import { PageHeader } from "../../../components/ui/page-header";

export const metadata: Metadata = { title: "Overview" };

export default function AdminOverviewPage() {
  return (
    <>
      <PageHeader title="Overview" />
      <div className="grid">
        <section className="card">
          <h2>
            <Link href="/admin/users">Users</Link>
          </h2>
          <p>Find accounts, create them one by one or import a class list from CSV, disable accounts and reset passwords.</p>
        </section>
        <section className="card">
          <h2>
            <Link href="/admin/audit">Audit log</Link>
          </h2>
          <p>Every sign-in, account change and password reset, newest first.</p>
        </section>
      </div>
      <section className="card">
        <h2>Live status</h2>
        <NotBuilt>
          <p>Running servers, the GPU queue and image builds are not available yet.</p>
        </NotBuilt>
      </section>
    </>
  );
}
