import type { Metadata } from "next";
import { SpawnView } from "../../../../components/servers/spawn-view";

export const metadata: Metadata = { title: "Starting server" };

// The gateway sends an owner here (`/spawn/<name>?next=<path>`) when their server is not running.
// `next` is only followed through safeNextPath(), inside the view.
export default async function SpawnPage({ params, searchParams }: { params: Promise<{ name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { name } = await params;
  const query = await searchParams;
  const next = typeof query.next === "string" ? query.next : null;
  return <SpawnView name={name} next={next} />;
}
