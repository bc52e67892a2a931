import type { AwardCriterion as ParsedCriterion, MoneyAmount, ParsedNotice } from "./eforms/eforms.types";
import type { AwardCriterion, NoticeAward } from "./tender.values";
import { TenderStatus } from "./tender.enums";
import { resolvePlace, type ResolvedPlace } from "./tender.place";

/**
 * From a parsed eForms notice to the columns of a tender and its lots. Pure: no ORM, so that the
 * mapping is unit-tested on plain data; the import service applies it.
 */

const MAX_INT = 2_147_483_647;

/** Whole units of the currency; null for none or a value beyond the column's range. */
export function wholeAmount(money: MoneyAmount | null): number | null {
  if (!money || !Number.isFinite(money.amount) || money.amount < 0) return null;
  const rounded = Math.round(money.amount);
  return rounded > MAX_INT ? null : rounded;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function criteria(list: readonly ParsedCriterion[]): AwardCriterion[] {
  return list.map((c) => ({ name: clip(c.name, 200), weight: c.weight, type: c.type, description: c.description }));
}

export interface MappedLot {
  number: number;
  externalId: string;
  title: string;
  description: string | null;
  cpvCodes: string[];
  estimatedValue: number | null;
  awardCriteria: AwardCriterion[];
}

export interface MappedTender extends ResolvedPlace {
  title: string;
  description: string | null;
  buyerName: string;
  procedureType: string | null;
  estimatedValue: number | null;
  currency: string;
  publishedAt: Date | null;
  submissionDeadline: Date | null;
  awardCriteria: AwardCriterion[];
  maxLotsPerTenderer: number | null;
  maxLotsAwardedPerTenderer: number | null;
  multipleOffersForbidden: boolean | null;
  groupLegalFormRequired: boolean | null;
  groupLegalForm: string | null;
}

export interface NoticeMapping {
  tender: MappedTender;
  lots: MappedLot[];
  awards: NoticeAward[];
  awardedValue: number | null;
}

export function mapNotice(notice: ParsedNotice): NoticeMapping {
  const place = notice.place ?? notice.lots.find((l) => l.place)?.place ?? null;
  const lotValues = notice.lots.map((l) => l.estimatedValue).filter((m): m is MoneyAmount => m !== null);
  const estimate =
    notice.estimatedValue ?? (lotValues.length ? { amount: lotValues.reduce((s, m) => s + m.amount, 0), currency: lotValues[0]!.currency } : null);
  const currency = estimate?.currency ?? notice.awardedValue?.currency ?? notice.awards.find((a) => a.amount)?.amount?.currency ?? "EUR";
  const numberOf = new Map(notice.lots.map((l) => [l.lotId, l.number]));
  return {
    tender: {
      title: clip(notice.title, 500),
      description: notice.description,
      buyerName: clip(notice.buyer?.name ?? "Acheteur non précisé", 300),
      procedureType: notice.procedureType,
      ...resolvePlace({
        nuts: place?.nuts ?? null,
        city: place?.city ?? null,
        postcode: place?.postcode ?? null,
        country: place?.country ?? null,
        description: place?.description ?? null,
      }),
      estimatedValue: wholeAmount(estimate),
      currency,
      publishedAt: notice.publicationDate ?? notice.issueDate,
      submissionDeadline: notice.submissionDeadline ?? notice.participationDeadline,
      awardCriteria: criteria(notice.awardCriteria),
      maxLotsPerTenderer: notice.groupRules.maxLotsPerTenderer,
      maxLotsAwardedPerTenderer: notice.groupRules.maxLotsAwardedPerTenderer,
      multipleOffersForbidden: notice.groupRules.multipleOffersForbidden,
      groupLegalFormRequired: notice.groupRules.groupLegalFormRequired,
      groupLegalForm: notice.groupRules.groupLegalFormDescription,
    },
    lots: notice.lots.map((l) => ({
      number: l.number,
      externalId: l.lotId,
      title: clip(l.title, 500),
      description: l.description,
      cpvCodes: l.cpvCodes,
      estimatedValue: wholeAmount(l.estimatedValue),
      awardCriteria: criteria(l.awardCriteria),
    })),
    awards: notice.awards.map((a) => ({
      lotId: a.lotId,
      lotNumber: a.lotId ? (numberOf.get(a.lotId) ?? null) : null,
      resultCode: a.resultCode,
      winners: a.winners.map((w) => w.name),
      amount: wholeAmount(a.amount),
      currency: a.amount?.currency ?? null,
      awardDate: a.awardDate,
    })),
    awardedValue: wholeAmount(notice.awardedValue),
  };
}

/**
 * The status a notice gives its tender. A contract notice opens it (closed when its deadline has
 * passed); a prior information notice only announces it (a draft for the officers); a change
 * notice that cancels, cancels it; an award notice awards it (closed when no lot found a
 * winner). AWARDED and CANCELLED are final: a later notice does not reopen the tender.
 */
export function statusAfter(notice: ParsedNotice, current: TenderStatus | null, now: Date): TenderStatus {
  if (current === TenderStatus.AWARDED || current === TenderStatus.CANCELLED) return current;
  switch (notice.kind) {
    case "CONTRACT_AWARD":
      return notice.awards.some((a) => a.winners.length > 0 || a.resultCode === "selec-w") ? TenderStatus.AWARDED : TenderStatus.CLOSED;
    case "PRIOR_INFORMATION":
      return current ?? TenderStatus.DRAFT;
    case "CHANGE":
      if (notice.changeReasonCode === "cancel") return TenderStatus.CANCELLED;
      break;
    case "CONTRACT_NOTICE":
      break;
  }
  if (notice.rootElement === "ContractAwardNotice") {
    return notice.awards.some((a) => a.winners.length > 0) ? TenderStatus.AWARDED : TenderStatus.CLOSED;
  }
  if (notice.rootElement === "PriorInformationNotice") return current ?? TenderStatus.DRAFT;
  const deadline = notice.submissionDeadline ?? notice.participationDeadline;
  return deadline && deadline.getTime() <= now.getTime() ? TenderStatus.CLOSED : TenderStatus.OPEN;
}

/** "02" > "01"; versions compare as numbers when they are, else as text. */
export function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a.localeCompare(b);
}
