import { findLatestServer } from "@aula/domain";
import { isFinalPhase, readProgressHistory, type ProgressEvent } from "@aula/queue";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ChannelHub } from "../../lib/channel-hub";

type Server = NonNullable<Awaited<ReturnType<typeof findLatestServer>>>;

const HEARTBEAT_MS = 15_000;

/** What the database says, for a server whose Redis history has expired or never existed. */
function eventFromRow(server: Server): ProgressEvent | null {
  const at = new Date().toISOString();
  switch (server.status) {
    case "RUNNING":
      return { serverId: server.id, phase: "ready", message: "Your server is ready.", progress: 100, at };
    case "FAILED":
      return { serverId: server.id, phase: "failed", message: server.failureReason ?? "Your server could not start.", progress: 100, at };
    case "STOPPED":
      return { serverId: server.id, phase: "stopped", message: server.stopReason ?? "Your server is stopped.", progress: 100, at };
    default:
      return null;
  }
}

/**
 * SSE: subscribe first, then replay the stored history, then live events, de-duplicated, until
 * a final phase. A stream opened after the spawn finished gets the final state at once.
 */
export async function streamProgress(app: FastifyInstance, hub: ChannelHub<ProgressEvent>, request: FastifyRequest, reply: FastifyReply, server: Server): Promise<void> {
  const seen = new Set<string>();
  let ended = false;
  const pending: ProgressEvent[] = [];
  let replaying = true;

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
    "x-request-id": request.id,
  });

  const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
  let stopListening: () => void = () => {};
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    stopListening();
    res.end();
  };
  const send = (event: ProgressEvent) => {
    if (ended) return;
    const key = `${event.at}|${event.phase}|${event.position ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    res.write(`event: progress\ndata: ${JSON.stringify(event)}\n\n`);
    if (isFinalPhase(event.phase)) end();
  };

  request.raw.on("close", end);
  try {
    stopListening = await hub.listen(server.id, (event) => (replaying ? pending.push(event) : send(event)));
  } catch (err) {
    // Redis is unreachable: end the stream (the response is already ours), so the browser's
    // EventSource reconnects, rather than leave it open with nothing that could ever arrive.
    request.log.warn({ err }, "progress stream could not subscribe; ending it so the client retries");
    return end();
  }
  const history = await readProgressHistory(app.redis, app.config.redisPrefix, server.id).catch(() => []);
  for (const event of history) send(event);
  replaying = false;
  for (const event of pending) send(event);
  if (!ended && !history.some((e) => isFinalPhase(e.phase))) {
    const fromRow = eventFromRow(server);
    if (fromRow) send(fromRow);
  }
}
