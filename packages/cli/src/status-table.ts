/** Plain-text tables: pure functions from rows to aligned lines, no terminal codes. */

export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string | number;
  /** Numbers read best right-aligned. @default 'left' */
  readonly align?: 'left' | 'right';
}

/** Renders `rows` under a header row, columns separated by two spaces, trailing blanks trimmed. */
export function renderTable<R>(columns: ReadonlyArray<Column<R>>, rows: readonly R[]): string[] {
  const cells = rows.map((row) => columns.map((c) => String(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

/** A text progress bar such as `[#####.....]`. */
export function progressBar(done: number, total: number, width = 24): string {
  const ratio = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
