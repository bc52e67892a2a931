/** Price totals of a bid, in euro cents, computed by the server from the price lines (pure). */
export interface PriceLineFacts {
  lotId: string;
  memberId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface BidTotalsFacts {
  totalCents: number;
  perLot: { lotId: string; totalCents: number }[];
  perMember: { memberId: string; totalCents: number }[];
}

/** A line's amount: quantity times unit price, rounded to the cent. */
export function lineTotalCents(line: Pick<PriceLineFacts, "quantity" | "unitPriceCents">): number {
  return Math.round(line.quantity * line.unitPriceCents);
}

/** Totals per lot, per member and overall; groups keep the order in which they first appear. */
export function computeTotals(lines: readonly PriceLineFacts[]): BidTotalsFacts {
  const perLot = new Map<string, number>();
  const perMember = new Map<string, number>();
  let totalCents = 0;
  for (const line of lines) {
    const amount = lineTotalCents(line);
    totalCents += amount;
    perLot.set(line.lotId, (perLot.get(line.lotId) ?? 0) + amount);
    perMember.set(line.memberId, (perMember.get(line.memberId) ?? 0) + amount);
  }
  return {
    totalCents,
    perLot: [...perLot].map(([lotId, cents]) => ({ lotId, totalCents: cents })),
    perMember: [...perMember].map(([memberId, cents]) => ({ memberId, totalCents: cents })),
  };
}

/** Euros (a GraphQL Float) to cents, rejecting more than two decimals. */
export function eurosToCents(euros: number): number | null {
  if (typeof euros !== "number" || !Number.isFinite(euros)) return null;
  const cents = Math.round(euros * 100);
  return Math.abs(cents - euros * 100) < 1e-6 ? cents : null;
}
