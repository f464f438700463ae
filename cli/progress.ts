export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** `done` of `total` minutes simulated. */
  update(done: number, total: number): void;
  /** Clears the line, so what follows starts clean. */
  finish(): void;
}

export const NO_PROGRESS: Progress = { update() {}, finish() {} };
const CLEAR_LINE = '\r\u001b[2K';

/**
 * A one-line progress display of a long simulation, for a person at a terminal: written
 * only when the stream is a TTY (never into a pipe, a file or a CI log), at most once per
 * whole percent.
 */
export function terminalProgress(stream: ProgressStream, label: string): Progress {
  if (!stream.isTTY) return NO_PROGRESS;
  let shown = -1;
  return {
    update(done, total) {
      const percent = total > 0 ? Math.floor((100 * done) / total) : 100;
      if (percent === shown) return;
      shown = percent;
      stream.write(`${CLEAR_LINE}${label}: day ${(done / 1440).toFixed(1)} of ${(total / 1440).toFixed(1)} (${percent} %)`);
    },
    finish() {
      if (shown >= 0) stream.write(CLEAR_LINE);
    },
  };
}
