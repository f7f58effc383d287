import type { Db } from "@aula/db";
import type { BuildLogMessage } from "@aula/queue";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ChannelHub } from "../../lib/channel-hub";

const HEARTBEAT_MS = 15_000;
// Safety net for a build whose end message never comes (a worker killed before publishing it,
// Redis down): the row is looked at this often and the stream ends once the build has.
const POLL_MS = 3_000;
const ACTIVE = new Set(["QUEUED", "RUNNING"]);

/**
 * SSE of a build's log: subscribe first, then send the stored lines, then live lines, then an
 * `end` event once the build has ended. Lines carry their number (`seq`), so a live batch that
 * overlaps the stored part is trimmed, and a gap (a lost publish) is filled from the row.
 * Events: `line` {seq, line}; `end` {status, error}.
 */
export async function streamBuildLog(db: Db, hub: ChannelHub<BuildLogMessage>, request: FastifyRequest, reply: FastifyReply, buildId: string): Promise<void> {
  let next = 0;
  let ended = false;
  let replaying = true;
  const pending: BuildLogMessage[] = [];

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
  let poll: NodeJS.Timeout | undefined;
  const close = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    clearInterval(poll);
    stopListening();
    res.end();
  };
  const sendLines = (seq: number, lines: string[]) => {
    for (let i = 0; i < lines.length; i++) {
      if (ended || seq + i < next) continue;
      res.write(`event: line\ndata: ${JSON.stringify({ seq: seq + i, line: lines[i] })}\n\n`);
      next = seq + i + 1;
    }
  };
  /** Catches up from the row; ends the stream when the build has ended. */
  const fromRow = async (): Promise<void> => {
    const row = await db.imageBuild.findUnique({ where: { id: buildId }, select: { log: true, status: true, error: true } });
    if (ended) return;
    if (!row) return close();
    sendLines(0, row.log.split("\n").slice(0, -1));
    if (!ACTIVE.has(row.status)) {
      res.write(`event: end\ndata: ${JSON.stringify({ status: row.status.toLowerCase(), error: row.error })}\n\n`);
      close();
    }
  };
  const onMessage = (message: BuildLogMessage) => {
    if (ended) return;
    if (message.type === "end") return void fromRow().catch(close);
    if (message.seq > next) return void fromRow().catch(close);
    sendLines(message.seq, message.lines);
  };

  request.raw.on("close", close);
  try {
    stopListening = await hub.listen(buildId, (m) => (replaying ? pending.push(m) : onMessage(m)));
  } catch (err) {
    request.log.warn({ err }, "build log stream could not subscribe; ending it so the client retries");
    return close();
  }
  await fromRow();
  replaying = false;
  for (const m of pending) onMessage(m);
  if (!ended) poll = setInterval(() => void fromRow().catch(close), POLL_MS);
}
