/** Words of a search box as a French prefix query: "imprim rouen" → imprim:* & rouen:*. */
export function toPrefixQuery(search: string): string | null {
  const words = search
    .normalize("NFKC")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}
