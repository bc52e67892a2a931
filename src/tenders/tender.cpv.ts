import { BadInputError } from "../common/errors";
import * as v from "../common/validate";
import { cpvPrefixes } from "../matching/cpv-similarity";

/* The CPV codes of tenders and lots: their indexed prefixes, and the list filter's prefix. */

/** Keeps the codes and indexed prefixes of a tender in step with its lots. */
export function cpvSummary(lotCodes: string[][], own: string[] = []): { cpvCodes: string[]; cpvPrefixes: string[] } {
  const codes = [...new Set([...own, ...lotCodes.flat()])];
  const prefixes = new Set<string>();
  for (const code of codes) {
    try {
      for (const p of cpvPrefixes(code)) prefixes.add(p);
    } catch {
      // a code outside the CPV pattern has no prefixes
    }
  }
  return { cpvCodes: codes, cpvPrefixes: [...prefixes].sort() };
}

export function lotPrefixes(codes: string[]): string[] {
  return cpvSummary([codes]).cpvPrefixes;
}

export function cpvFilterPrefix(field: string, value: string): string {
  const raw = v.text(field, value, { max: 10 }).replace(/-\d$/, "");
  if (!/^\d{2,8}$/.test(raw)) throw new BadInputError(field, "must be a CPV code or prefix of 2 to 8 digits");
  if (raw.startsWith("00")) throw new BadInputError(field, "is not a CPV division");
  const significant = raw.length === 8 ? (cpvPrefixes(raw).at(-1) ?? raw) : raw.replace(/0+$/, "");
  return significant.length >= 2 ? significant : raw.slice(0, 2);
}
