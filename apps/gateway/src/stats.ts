import type { GatewayLogger } from "./logger";

/**
 * Counters instead of a per-request access log: incrementing a number costs nothing on the hot
 * path, and one summary line a minute says what an operator needs (volume, errors, sockets).
 * Upstream failures are logged as they happen, but at most once per interval per upstream, so a
 * restarting portal does not flood the log with one line per request.
 */
export class GatewayStats {
  requests = 0;
  userRequests = 0;
  errors5xx = 0;
  upgrades = 0;
  private readonly lastLogged = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: GatewayLogger,
    private readonly errorLogIntervalMs = 5000,
  ) {}

  start(summaryIntervalMs: number, openSockets: () => number, routes: () => number): void {
    this.timer = setInterval(() => {
      if (this.requests === 0 && this.upgrades === 0) return;
      this.logger.info(
        { requests: this.requests, userRequests: this.userRequests, errors5xx: this.errors5xx, upgrades: this.upgrades, openSockets: openSockets(), routes: routes() },
        "gateway traffic summary",
      );
      this.requests = this.userRequests = this.errors5xx = this.upgrades = 0;
    }, summaryIntervalMs);
    this.timer.unref();
  }

  upstreamError(upstream: string, err: NodeJS.ErrnoException): void {
    this.errors5xx++;
    const now = Date.now();
    if (now - (this.lastLogged.get(upstream) ?? 0) < this.errorLogIntervalMs) return;
    this.lastLogged.set(upstream, now);
    this.logger.warn({ upstream, code: err.code, err }, "upstream unavailable");
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
