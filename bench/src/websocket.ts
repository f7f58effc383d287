import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { bounded } from "./procs";
import type { Proxies, Target } from "./proxies";
import { figure, type Figure } from "./stats";

// Scenario 4: small kernel `execute_request` round trips (send → execute_reply on the shell
// channel) over the kernel's WebSocket, through the gateway, configurable-http-proxy and
// directly. One kernel; one connection per batch; targets rotate per repetition.

const TARGETS = ["gateway", "chp", "direct"] as const;

export interface WsTargetFigures {
  /** Median round trip of each repetition, ms. */
  medianRtt: Figure;
  /** Whole batch, ms. */
  total: Figure;
}

export interface WebSocketResult {
  roundTrips: number;
  reps: number;
  gateway: WsTargetFigures;
  chp: WsTargetFigures;
  direct: WsTargetFigures;
  /** gateway / chp median round trip (goal ≤ 1). */
  rttVsChp: number;
  totalVsChp: number;
  rttVsDirect: number;
}

function message(code: string, session: string) {
  const msgId = randomUUID();
  return {
    msgId,
    text: JSON.stringify({
      header: { msg_id: msgId, username: "bench", session, msg_type: "execute_request", version: "5.3", date: new Date().toISOString() },
      parent_header: {},
      metadata: {},
      content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
      channel: "shell",
      buffers: [],
    }),
  };
}

async function batch(url: string, headers: Record<string, string>, n: number): Promise<number[]> {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`WebSocket refused at ${url}: ${res.statusCode}`)));
  });
  const session = randomUUID();
  let waiting: { msgId: string; done: () => void } | null = null;
  ws.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
    if (!waiting || isBinary) return;
    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8");
    const m = JSON.parse(text) as { channel?: string; msg_type?: string; header?: { msg_type?: string }; parent_header?: { msg_id?: string } };
    if ((m.header?.msg_type ?? m.msg_type) === "execute_reply" && m.parent_header?.msg_id === waiting.msgId) waiting.done();
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const { msgId, text } = message(`${i}`, session);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        waiting = { msgId, done: resolve };
        ws.send(text);
      });
      times.push(performance.now() - t0);
    }
  } finally {
    ws.close();
  }
  return times;
}

function median(xs: number[]): number {
  return figure(xs).median;
}

export async function websocketScenario(proxies: Proxies, opts: { roundTrips: number; reps: number }): Promise<WebSocketResult> {
  const nb = proxies.notebook;
  const direct = nb.direct;
  const base = `/user/${nb.name}/api/kernels`;
  const created = await fetch(`${direct.origin}${base}`, { method: "POST", headers: { ...direct.headers, "content-type": "application/json" }, body: "{}" });
  if (created.status !== 201) throw new Error(`kernel not created: ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as { id: string };
  const wsUrl = (t: Target) => `${t.origin.replace(/^http/, "ws")}${base}/${id}/channels`;
  try {
    // Warm-up: the kernel's first executions and each path's first connection.
    for (const t of TARGETS) await bounded(`websocket warm-up via ${t}`, 60_000, batch(wsUrl(nb[t]), nb[t].headers, 5));
    const medians: Record<string, number[]> = { gateway: [], chp: [], direct: [] };
    const totals: Record<string, number[]> = { gateway: [], chp: [], direct: [] };
    for (let rep = 0; rep < opts.reps; rep++) {
      for (let k = 0; k < TARGETS.length; k++) {
        const t = TARGETS[(rep + k) % TARGETS.length]!;
        const times = await bounded(`websocket batch via ${t}`, 90_000, batch(wsUrl(nb[t]), nb[t].headers, opts.roundTrips));
        medians[t]!.push(median(times));
        totals[t]!.push(times.reduce((a, b) => a + b, 0));
      }
    }
    const f = (t: string): WsTargetFigures => ({ medianRtt: figure(medians[t]!), total: figure(totals[t]!) });
    const g = f("gateway");
    const c = f("chp");
    const d = f("direct");
    return {
      roundTrips: opts.roundTrips,
      reps: opts.reps,
      gateway: g,
      chp: c,
      direct: d,
      rttVsChp: g.medianRtt.median / c.medianRtt.median,
      totalVsChp: g.total.median / c.total.median,
      rttVsDirect: g.medianRtt.median / d.medianRtt.median,
    };
  } finally {
    await fetch(`${direct.origin}${base}/${id}`, { method: "DELETE", headers: direct.headers }).catch(() => undefined);
  }
}
