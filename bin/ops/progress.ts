/**
 * A progress bar for the ops CLI: redrawn in place on a terminal (`\r`), or a plain line at every
 * quarter when the output is a pipe or a file, so a log shows the progress without a line per byte.
 */

/** `[##########----------]  50%  uploading  1.2 of 2.4 MB` (pure, for tests). */
export function renderBar(fraction: number, label: string, detail = '', width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}  ${label}${detail ? `  ${detail}` : ''}`;
}

export const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

export interface ProgressBar {
  update(fraction: number, detail?: string): void;
  done(detail?: string): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  let lastQuarter = -1;
  let last = '';
  const draw = (fraction: number, detail: string, final: boolean) => {
    const line = renderBar(fraction, label, detail);
    if (tty) {
      if (line !== last || final) stream.write(`\r${line}${final ? '\n' : ''}`);
    } else {
      const quarter = Math.floor(Math.min(1, fraction) * 4);
      if (quarter > lastQuarter || final) stream.write(`${line}\n`);
      lastQuarter = Math.max(lastQuarter, quarter);
    }
    last = line;
  };
  let finished = false;
  return {
    update: (fraction, detail = '') => !finished && draw(fraction, detail, false),
    done: (detail = '') => {
      if (finished) return;
      finished = true;
      if (!tty && lastQuarter >= 4) return;
      draw(1, detail, true);
    },
  };
}
