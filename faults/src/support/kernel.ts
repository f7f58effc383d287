import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import type { Session } from "./client";

/** An open kernel WebSocket through the gateway, as the notebook page holds one. */
export interface KernelSocket {
  ws: WebSocket;
  closed: Promise<void>;
  /** Runs code on the kernel and resolves with its text/plain result. */
  execute(code: string, timeoutMs?: number): Promise<string>;
}

export async function openKernelSocket(gatewayUrl: string, session: Session, kernelId: string): Promise<KernelSocket> {
  const url = `${gatewayUrl.replace(/^http/, "ws")}/user/${session.username}/api/kernels/${kernelId}/channels?session_id=${randomBytes(8).toString("hex")}`;
  const ws = new WebSocket(url, { headers: { cookie: session.cookie, origin: gatewayUrl } });
  const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`kernel WebSocket refused: ${res.statusCode}`)));
  });
  ws.on("error", () => {});
  const jupyterSession = randomBytes(8).toString("hex");
  return {
    ws,
    closed,
    execute(code, timeoutMs = 30_000) {
      const msgId = randomBytes(8).toString("hex");
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no execute_result for ${JSON.stringify(code)} within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (raw: Buffer) => {
          const msg = JSON.parse(raw.toString("utf8")) as { msg_type: string; parent_header: { msg_id?: string }; content: { data?: Record<string, string>; ename?: string } };
          if (msg.parent_header.msg_id !== msgId) return;
          if (msg.msg_type === "error") {
            clearTimeout(timer);
            ws.off("message", onMessage);
            reject(new Error(`kernel error: ${msg.content.ename}`));
          } else if (msg.msg_type === "execute_result") {
            clearTimeout(timer);
            ws.off("message", onMessage);
            resolve(msg.content.data?.["text/plain"] ?? "");
          }
        };
        ws.on("message", onMessage);
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, username: session.username, session: jupyterSession, msg_type: "execute_request", version: "5.3" },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false },
            channel: "shell",
          }),
        );
      });
    },
  };
}
