/** Progress on stderr (stdout stays free for the final table): timestamped lines and a redrawn bar on a terminal. */
const started = Date.now();

function stamp(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

let barActive = false;

export function log(message: string): void {
  if (barActive) process.stderr.write('\n');
  barActive = false;
  process.stderr.write(`[bench ${stamp()}] ${message}\n`);
}

/** A bar redrawn in place on a TTY; elsewhere (CI, a pipe) one line per 10 %. */
export class ProgressBar {
  private done = 0;
  private lastDecile = -1;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.draw(true);
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    this.draw(false);
  }

  finish(): void {
    this.done = this.total;
    this.draw(true);
    if (barActive) process.stderr.write('\n');
    barActive = false;
  }

  private draw(force: boolean): void {
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const pct = Math.floor(fraction * 100);
    if (process.stderr.isTTY) {
      const now = Date.now();
      if (!force && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[bench ${stamp()}] ${this.label.padEnd(28)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${this.done}/${this.total}`);
      barActive = true;
    } else {
      const decile = Math.floor(pct / 10);
      if (decile === this.lastDecile && !force) return;
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      process.stderr.write(`[bench ${stamp()}] ${this.label} ${pct}% (${this.done}/${this.total})\n`);
    }
  }
}
