import { BadInputError, ForbiddenError } from "../common/errors";
import { findRegion } from "../common/reference/reference";
import type { Config } from "../config";
import type { Actor } from "../auth/actor";
import { Channel } from "../tenders/tender.enums";
import { canSeeBusinessVolume } from "../tenders/tender.policy";
import { RevenueBase, type BusinessVolume, type MonthVolume, type RevenueTarget, type VolumeFigures } from "./stats.types";

/** One won outcome, as the figures need it. */
export interface WonRow {
  kind: string;
  regionCode: string | null;
  awardedAt: Date;
  awardedAmount: number;
  commission: number;
}

const channelOf = (kind: string): Channel => (kind === "DIRECT_ORDER" ? Channel.DIRECT_ORDER : Channel.TENDER);

function sum(rows: WonRow[]): VolumeFigures {
  return {
    count: rows.length,
    awardedAmount: rows.reduce((s, r) => s + r.awardedAmount, 0),
    commission: rows.reduce((s, r) => s + r.commission, 0),
  };
}

const monthKey = (d: Date) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;

/** The months from `from` to `to` (exclusive), `YYYY-MM`, UTC. */
export function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor.getTime() < to.getTime() && months.length < 1200) {
    months.push(monthKey(cursor));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/** Pure: the figures from the won outcomes of the window. */
export function computeVolume(
  rows: WonRow[],
  window: { from: Date; to: Date },
  pipeline: { count: number; estimatedValue: number },
  config: Pick<Config, "commissionRate" | "revenueTarget">,
): BusinessVolume {
  const total = sum(rows);
  const byChannel = [Channel.DIRECT_ORDER, Channel.TENDER].map((channel) => ({
    channel,
    ...sum(rows.filter((r) => channelOf(r.kind) === channel)),
  }));
  const regions = [...new Set(rows.map((r) => r.regionCode))];
  const byRegion = regions
    .map((regionCode) => ({
      regionCode,
      regionName: regionCode ? (findRegion(regionCode)?.name ?? null) : null,
      ...sum(rows.filter((r) => r.regionCode === regionCode)),
    }))
    .sort((a, b) => b.awardedAmount - a.awardedAmount || String(a.regionCode).localeCompare(String(b.regionCode)));
  const byMonth: MonthVolume[] = monthsBetween(window.from, window.to).map((month) => ({
    month,
    ...sum(rows.filter((r) => monthKey(r.awardedAt) === month)),
  }));
  const tenders = byChannel.find((c) => c.channel === Channel.TENDER)?.awardedAmount ?? 0;
  return {
    from: window.from,
    to: window.to,
    commissionRate: config.commissionRate,
    total,
    byChannel,
    byRegion,
    byMonth,
    tenderShare: total.awardedAmount > 0 ? tenders / total.awardedAmount : 0,
    pipeline,
    target: targetProgress(total, config.revenueTarget),
  };
}

/** Progress on the configured base: the business won through the platform, or the commission. */
export function targetProgress(total: VolumeFigures, target: Config["revenueTarget"]): RevenueTarget {
  const earned = target.base === "COMMISSION" ? total.commission : total.awardedAmount;
  return {
    base: target.base === "COMMISSION" ? RevenueBase.COMMISSION : RevenueBase.AWARDED,
    amount: target.amount,
    months: target.months,
    earned,
    progress: target.amount > 0 ? earned / target.amount : 0,
  };
}

/** The default window: the target's span, ending now. */
export function defaultWindow(now: Date, months: number): { from: Date; to: Date } {
  const from = new Date(now);
  from.setUTCMonth(from.getUTCMonth() - months);
  return { from, to: now };
}

export async function businessVolume(
  actor: Actor & { config: Config },
  args: { from?: Date | null; to?: Date | null },
  now = new Date(),
): Promise<BusinessVolume> {
  if (!canSeeBusinessVolume(actor.viewer)) throw new ForbiddenError("Business figures are for officers and admins.");
  const fallback = defaultWindow(args.to ?? now, actor.config.revenueTarget.months);
  const from = args.from ?? fallback.from;
  const to = args.to ?? now;
  for (const [field, d] of [
    ["from", from],
    ["to", to],
  ] as const) {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new BadInputError(field, "is not a date");
  }
  if (from.getTime() >= to.getTime()) throw new BadInputError("to", "must be after `from`");
  if (to.getTime() - from.getTime() > 100 * 366 * 86400_000) throw new BadInputError("from", "the window spans at most 100 years");
  const connection = actor.em.getConnection();
  const rows = await connection.execute<{ kind: string; region_code: string | null; awarded_at: Date; awarded_amount: number; commission: number }[]>(
    `SELECT t.kind, t.region_code, o.awarded_at, o.awarded_amount, o.commission
       FROM outcomes o JOIN tenders t ON t.id = o.tender_id
      WHERE o.result = 'WON' AND o.awarded_at >= ? AND o.awarded_at < ?`,
    [from, to],
  );
  const [pipeline] = await connection.execute<{ n: string; v: string | null }[]>(
    "SELECT count(*) AS n, coalesce(sum(estimated_value), 0) AS v FROM tenders WHERE status = 'OPEN'",
  );
  return computeVolume(
    rows.map((r) => ({
      kind: r.kind,
      regionCode: r.region_code,
      awardedAt: new Date(r.awarded_at),
      awardedAmount: Number(r.awarded_amount),
      commission: Number(r.commission),
    })),
    { from, to },
    { count: Number(pipeline?.n ?? 0), estimatedValue: Number(pipeline?.v ?? 0) },
    actor.config,
  );
}
