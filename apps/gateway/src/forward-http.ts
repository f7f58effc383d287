import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { copyResponseHeaders } from "./headers";

// Every upstream is on this host: the api, the web portal and student containers publish their
// ports on loopback. Containers are never reached by their Docker network IP.
export const UPSTREAM_HOST = "127.0.0.1";

const origins = new Map<number, string>();
/** `http://127.0.0.1:<port>`, built once per port rather than once per request. */
export function originFor(port: number): string {
  let origin = origins.get(port);
  if (origin === undefined) {
    origin = `http://${UPSTREAM_HOST}:${port}`;
    if (origins.size < 65_536) origins.set(port, origin);
  }
  return origin;
}

export interface ForwardOptions {
  dispatcher: Dispatcher;
  origin: string;
  /** Request headers, already rewritten (flat [name, value, …]). */
  headers: string[];
  hasBody: boolean;
  /** Add the portal's security headers to the response. */
  secure: boolean;
  /** The upstream could not be reached (or dropped us) before any response was sent. */
  onUnavailable(err: NodeJS.ErrnoException): void;
  /** A request header the upstream client refuses (it validates more strictly than Node's parser). */
  onInvalid(err: Error): void;
}

/**
 * Streams `req` to the upstream and its response back. The client is undici's dispatch API
 * rather than http.request: on a static upstream it doubled the proxied requests per second
 * on the build machine (http.request's ClientRequest/IncomingMessage objects and header
 * objects cost more than the proxying itself). We use undici's raw-header handler callbacks
 * (onHeaders/onData/…), the ones its HTTP/1.1 client calls natively; the newer controller
 * interface is an adapter on top that first parses headers into an object.
 */
export function forwardHttp(req: IncomingMessage, res: ServerResponse, options: ForwardOptions): void {
  const exchange = new Exchange(res, options);
  res.on("close", () => exchange.clientClosed());
  options.dispatcher.dispatch(
    {
      origin: options.origin,
      path: req.url ?? "/",
      method: req.method ?? "GET",
      headers: options.headers,
      body: options.hasBody ? req : null,
      // Jupyter kernels, long polls and SSE streams may stay silent for a long time; a client
      // that gives up closes its connection, which aborts the upstream request.
      headersTimeout: 0,
      bodyTimeout: 0,
    },
    exchange,
  );
}

class Exchange implements Dispatcher.DispatchHandler {
  private abort: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  private done = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: ForwardOptions,
  ) {}

  /** The client went away before we finished answering: stop the upstream work too. */
  clientClosed(): void {
    if (!this.done && !this.res.writableFinished) this.abort?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    if (this.res.destroyed) abort();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    // 1xx informational responses (103 Early Hints) are not relayed; the final one follows.
    if (statusCode < 200) return true;
    this.resume = resume;
    const out: string[] = [];
    copyResponseHeaders(rawHeaders, out, this.options.secure);
    try {
      this.res.writeHead(statusCode, statusText, out);
    } catch {
      // An upstream header Node refuses to write (invalid characters): 502, never a crash.
      this.abort?.();
      this.res.writeHead(502, { "Content-Length": 0 });
      this.res.end();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.res.destroyed) return true;
    const flushed = this.res.write(chunk);
    // Back-pressure: undici stops reading the upstream until the client drains.
    if (!flushed && this.resume) this.res.once("drain", this.resume);
    return flushed;
  }

  onComplete(): void {
    this.done = true;
    this.res.end();
  }

  onError(err: Error): void {
    this.done = true;
    if (this.res.destroyed) return;
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    if ((err as NodeJS.ErrnoException).code === "UND_ERR_INVALID_ARG") this.options.onInvalid(err);
    else this.options.onUnavailable(err);
  }
}
