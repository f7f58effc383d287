import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

// Real peers on 127.0.0.1 standing in for the api, the portal and a Jupyter server: they
// record what reached them and echo it back.

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Upstream {
  port: number;
  requests: SeenRequest[];
  handshakes: http.IncomingHttpHeaders[];
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/** An HTTP server answering JSON `{ name, method, url, headers, body }`, plus a WebSocket echo. */
export async function startUpstream(name: string, extraHeaders: Record<string, string> = {}): Promise<Upstream> {
  const requests: SeenRequest[] = [];
  const handshakes: http.IncomingHttpHeaders[] = [];
  const sockets = new Set<WebSocket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const seen: SeenRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(seen);
      const body = JSON.stringify({ name, ...seen });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...extraHeaders });
      res.end(body);
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) => {
    handshakes.push(req.headers);
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    handshakes,
    sockets,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
