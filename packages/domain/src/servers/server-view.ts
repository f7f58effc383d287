import type { Db, ServerStatus } from "@aula/db";
import { serverUrl, type UserSubdomains } from "./user-subdomains";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The latest server of a user (active or the last stopped one, so its stop reason shows). */
export async function findLatestServer(db: Db, username: string) {
  return db.server.findFirst({
    where: { user: { username } },
    orderBy: { createdAt: "desc" },
    include: {
      user: { select: { username: true } },
      course: { select: { slug: true, title: true } },
      week: { select: { number: true, title: true } },
      environment: { select: { name: true, title: true } },
    },
  });
}

type LatestServer = NonNullable<Awaited<ReturnType<typeof findLatestServer>>>;

/** `subdomains`: the api's per-user subdomain settings; the url is then the server's own origin. */
export function serverView(s: LatestServer, subdomains: UserSubdomains | null = null) {
  return {
    id: s.id,
    status: s.status.toLowerCase() as Lowercase<ServerStatus>,
    course: s.course,
    week: s.week,
    environment: s.environment,
    usesGpu: s.usesGpu,
    url: serverUrl(s.user.username, subdomains),
    queuedAt: s.queuedAt.toISOString(),
    startedAt: iso(s.startedAt),
    readyAt: iso(s.readyAt),
    stoppedAt: iso(s.stoppedAt),
    lastActivityAt: iso(s.lastActivityAt),
    stopReason: s.stopReason,
    failureReason: s.failureReason,
    cullWarnedAt: iso(s.cullWarnedAt),
  };
}
