import type { Db } from "@aula/db";
import type { RouteRow } from "./route-table";

/** Every server the database says is running and reachable, as route rows. */
export async function loadRoutes(db: Db): Promise<RouteRow[]> {
  const servers = await db.server.findMany({
    where: { status: "RUNNING", hostPort: { not: null } },
    select: { id: true, hostPort: true, token: true, user: { select: { username: true } } },
    // Should a user ever hold two running rows, the most recently ready one wins (applied last).
    orderBy: [{ readyAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
  });
  const rows: RouteRow[] = [];
  for (const s of servers) {
    if (s.hostPort === null) continue;
    rows.push({ username: s.user.username, port: s.hostPort, token: s.token, serverId: s.id });
  }
  return rows;
}
