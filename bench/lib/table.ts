export type Align = "left" | "right";

export interface Column {
  title: string;
  align: Align;
}

/** A Markdown table, padded so that it also reads well in a terminal. */
export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length), 3));
  const pad = (text: string, i: number) => {
    const width = widths[i] ?? 0;
    return columns[i]?.align === "right" ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: string[]) => `| ${cells.map((c, i) => pad(c, i)).join(" | ")} |`;
  const rule = `|${columns.map((c, i) => (c.align === "right" ? `${"-".repeat((widths[i] ?? 0) + 1)}:` : `:${"-".repeat((widths[i] ?? 0) + 1)}`)).join("|")}|`;
  return [line(columns.map((c) => c.title)), rule, ...rows.map(line)].join("\n");
}

export function fixed(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(digits);
}

export function thousands(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
