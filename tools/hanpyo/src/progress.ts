// Progress on a terminal (stderr), rate-limited; silent when stderr is not a TTY (CI, pipes).

/** Reports `stage done/total` with a rate, redrawn at most every 200 ms. */
export function terminalProgress(enabled = process.stderr.isTTY === true): {
  update(stage: string, done: number, total: number): void;
  done(): void;
} {
  let last = 0;
  let started = Date.now();
  let currentStage = '';
  return {
    update(stage, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if (stage !== currentStage) {
        currentStage = stage;
        started = now;
      }
      if (now - last < 200 && done < total) return;
      last = now;
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100';
      process.stderr.write(`\r\x1b[K${stage}: ${done}/${total} (${pct}%, ${rate.toFixed(0)}/s)`);
    },
    done() {
      if (enabled) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * A status line that changes in place on a terminal (stderr), redrawn at most every `everyMs`;
 * elsewhere (CI, a log file) printed as a plain line every `plainEveryMs`.
 */
export function statusLine(
  tty = process.stderr.isTTY === true,
  everyMs = 500,
  plainEveryMs = 10_000,
): { show(line: () => string): void; done(): void } {
  let last = 0;
  return {
    show(line) {
      const now = Date.now();
      if (now - last < (tty ? everyMs : plainEveryMs)) return;
      last = now;
      process.stderr.write(tty ? `\r\x1b[K${line()}` : `${line()}\n`);
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
