// How the CLI's views print: an aligned table (or key: value lines) for people, one JSON document (--json) for scripts.
export type Cell = string | number | boolean | null;

/** A timestamp for a person: UTC, to the minute; "-" for none. JSON output keeps full ISO strings instead. */
export function shortTime(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')}Z` : '-';
}

const shown = (cell: Cell) => (cell === null || cell === '' ? '-' : String(cell));

/** Columns aligned on the widest cell; a line saying there is nothing when there are no rows. */
export function printTable(headers: readonly string[], rows: readonly Cell[][], nothing: string): void {
  if (rows.length === 0) {
    console.log(nothing);
    return;
  }
  const text = rows.map((row) => row.map(shown));
  const widths = headers.map((header, i) => Math.max(header.length, ...text.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  console.log([line(headers), ...text.map(line)].join('\n'));
}

/** `name: value` lines with the names aligned. */
export function printFields(fields: ReadonlyArray<readonly [string, Cell]>): void {
  const width = Math.max(...fields.map(([name]) => name.length));
  console.log(fields.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${shown(value)}`).join('\n'));
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
