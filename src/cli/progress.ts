// A progress bar with a rate, on stderr (stdout stays the result, for pipes). On a terminal it is
// redrawn in place at most every 200 ms; elsewhere (a log file, a CI job) one line every 5 s.
export interface Progress {
  /** Adds `n` done units (and `m` of the secondary count shown beside them). */
  advance(n: number, m?: number): void;
  done(): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** What the rate counts (e.g. 'revisions'). */
  readonly unit: string;
  /** Expected total of the rate's unit, for the bar; 0 when unknown. */
  readonly total: number;
  readonly stream?: NodeJS.WriteStream;
  readonly now?: () => number;
}

const WIDTH = 30;

export function startProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const started = now();
  const everyMs = stream.isTTY ? 200 : 5_000;
  let units = 0;
  let items = 0;
  let drawnAt = 0;

  function text(): string {
    const seconds = Math.max((now() - started) / 1_000, 0.001);
    const rate = Math.round(units / seconds).toLocaleString('en');
    const total = Math.max(options.total, units);
    const filled = total > 0 ? Math.round((units / total) * WIDTH) : 0;
    const bar = total > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ` : '';
    return `${options.label} ${bar}${units.toLocaleString('en')}${total > 0 ? `/${total.toLocaleString('en')}` : ''} ${options.unit}, ${items.toLocaleString('en')} consents, ${rate} ${options.unit}/s`;
  }

  function draw(final: boolean): void {
    if (stream.isTTY) stream.write(`\r${text()}${final ? '\n' : ''}`);
    else stream.write(`${text()}\n`);
  }

  return {
    advance(n, m = 0) {
      units += n;
      items += m;
      if (now() - drawnAt >= everyMs) {
        drawnAt = now();
        draw(false);
      }
    },
    done() {
      draw(true);
    },
  };
}
