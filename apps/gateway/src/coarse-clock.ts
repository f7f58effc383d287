/**
 * Epoch milliseconds, refreshed once a second by a timer. Activity only needs second
 * resolution, and comparing against a number that changes once a second lets the WebSocket
 * data path record activity at most once per second per socket without calling Date.now()
 * on every frame.
 */
export class CoarseClock {
  now = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(resolutionMs = 1000) {
    this.timer = setInterval(() => {
      this.now = Date.now();
    }, resolutionMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
