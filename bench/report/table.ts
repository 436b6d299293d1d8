/** One table for every figure: direct, bare proxy, framework floor and Ballast side by side, with the target where there is one. */

export interface Row {
  figure: string;
  direct: string;
  proxy: string;
  /** The framework floor (bench/framework-floor.ts), where it was measured. */
  floor?: string;
  ballast: string;
  /** Ballast against going direct: an added amount or a ratio. */
  vsDirect: string;
  /** Ballast against the framework floor in the same run. */
  vsFloor?: string;
  target: string;
  /** 'met', 'MISSED', or '' when there is no target. */
  verdict: string;
}

const HEADERS: Record<keyof Row, string> = {
  figure: 'figure',
  direct: 'direct',
  proxy: 'bare proxy',
  floor: 'framework floor',
  ballast: 'Ballast',
  vsDirect: 'Ballast vs direct',
  vsFloor: 'Ballast / floor',
  target: 'target',
  verdict: '',
};

/** A Markdown table (readable in a terminal, pasteable into the README). */
export function renderTable(rows: Row[]): string {
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const cell = (r: Row, k: keyof Row) => r[k] ?? '';
  const widths = keys.map((k) => Math.max(HEADERS[k].length, ...rows.map((r) => cell(r, k).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(keys.map((k) => HEADERS[k])),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(keys.map((k) => cell(r, k)))),
  ].join('\n');
}

export function fmt(value: number | undefined, unit = '', digits?: number): string {
  if (value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  const d = digits ?? (Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0);
  return `${value.toFixed(d)}${unit}`;
}

export function added(ballast: number, direct: number, unit = ' ms'): string {
  return Number.isFinite(ballast) && Number.isFinite(direct) ? `+${fmt(ballast - direct, unit)}`.replace('+-', '−') : '—';
}

/** A middle's figure with what it adds to going direct: `1.55 (+0.85)`; `—` where it was not measured. */
export function withAdded(value: number | undefined, direct: number): string {
  return value === undefined ? '—' : `${fmt(value)} (${added(value, direct, '')})`;
}

export function ratio(ballast: number, direct: number): string {
  return Number.isFinite(ballast) && Number.isFinite(direct) && direct !== 0 ? `${(ballast / direct).toFixed(2)}×` : '—';
}

export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? '' : ok ? 'met' : 'MISSED';
}
