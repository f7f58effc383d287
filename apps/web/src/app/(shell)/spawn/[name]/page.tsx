import type { Metadata } from "next";
import Link from "next/link";
import { NotBuilt } from "../../../../components/ui/not-built";
import { PageHeader } from "../../../../components/ui/page-header";

export const metadata: Metadata = { title: "Starting server" };

export default async function SpawnPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return (
    <>
      <PageHeader title={`Server for ${name}`} />
      <section className="card">
        <NotBuilt>
          <p>Starting servers is not available yet.</p>
          <p>When it is, this page will follow {name}&apos;s server as it starts (queued, allocating a GPU, starting, ready) and open it when it is ready.</p>
        </NotBuilt>
        <p>
          <Link href="/">Back to your home page</Link>
        </p>
      </section>
    </>
  );
}
