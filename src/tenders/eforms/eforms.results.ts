/* The results of an award notice, and the changes a change notice records. */
import {
  amount,
  boolean,
  dateTime,
  integer,
  isPresent,
  localized,
  referencedOrganization,
  requiredText,
  single,
  singleText,
  type Context,
  type NoticeContext,
} from "./eforms.read";
import type { MoneyAmount, ParsedAward, ParsedWinner } from "./eforms.types";
import { multiLine, unique } from "./eforms.values";
import { allOf, pathBelow, textOf, type XmlElement } from "./eforms.xml";

// ---------------------------------------------------------------------------------------------
// Results: lot results, tenders, tendering parties, settled contracts

export interface TenderInfo {
  readonly amount: MoneyAmount | null;
  readonly partyId: string | null;
  readonly lotId: string | null;
  readonly reference: string | null;
  readonly rank: number | null;
}

export interface ContractInfo {
  readonly awardDate: Date | null;
  readonly conclusionDate: Date | null;
  readonly reference: string | null;
  readonly tenderIds: readonly string[];
}

export function mapResults(
  context: NoticeContext,
  extension: XmlElement | null,
  knownLots: ReadonlySet<string>,
): { awards: ParsedAward[]; awardedValue: MoneyAmount | null } {
  const result = single(context, extension, "efac:NoticeResult");
  if (result === null) return { awards: [], awardedValue: null };

  const parties = new Map<string, ParsedWinner[]>();
  for (const party of allOf(result, "efac:TenderingParty")) {
    const id = requiredText(context, party, "cbc:ID", "tendering party without identifier (OPT-210)");
    if (id === null) continue;
    const members = allOf(party, "efac:Tenderer").flatMap((tenderer): ParsedWinner[] => {
      const organization = referencedOrganization(context, tenderer, "tenderer");
      if (organization === null) return [];
      const lead = single(context, tenderer, "efbc:GroupLeadIndicator");
      return [
        {
          organizationId: organization.organizationId,
          name: organization.name,
          nationalId: organization.nationalId,
          country: organization.country,
          city: organization.city,
          nuts: organization.nuts,
          groupLead: lead ? boolean(context, lead) : null,
        },
      ];
    });
    parties.set(id, members);
  }

  const tenders = new Map<string, TenderInfo>();
  for (const tender of allOf(result, "efac:LotTender")) {
    const id = requiredText(context, tender, "cbc:ID", "tender without identifier (OPT-321)");
    if (id === null) continue;
    const partyId = singleText(context, tender, "efac:TenderingParty/cbc:ID");
    if (partyId !== null && !parties.has(partyId)) {
      context.issues.add(
        pathBelow(tender, "efac:TenderingParty/cbc:ID"),
        `tender ${id} refers to tendering party ${partyId}, which the notice does not define`,
      );
    }
    const rank = single(context, tender, "cbc:RankCode");
    tenders.set(id, {
      amount: amount(context, single(context, tender, "cac:LegalMonetaryTotal/cbc:PayableAmount")),
      partyId,
      lotId: singleText(context, tender, "efac:TenderLot/cbc:ID"),
      reference: singleText(context, tender, "efac:TenderReference/cbc:ID"),
      rank: rank ? integer(context, rank) : null,
    });
  }

  const contracts = new Map<string, ContractInfo>();
  for (const contract of allOf(result, "efac:SettledContract")) {
    const id = requiredText(context, contract, "cbc:ID", "contract without identifier (OPT-316)");
    if (id === null) continue;
    const tenderIds = referencedIds(context, contract, "efac:LotTender/cbc:ID", tenders, "tender");
    contracts.set(id, {
      awardDate: dateTime(context, single(context, contract, "cbc:AwardDate"), null),
      conclusionDate: dateTime(context, single(context, contract, "cbc:IssueDate"), null),
      reference: singleText(context, contract, "efac:ContractReference/cbc:ID"),
      tenderIds,
    });
  }

  const awards = allOf(result, "efac:LotResult").flatMap((lotResult) => mapLotResult(context, lotResult, { parties, tenders, contracts, knownLots }));
  return { awards, awardedValue: amount(context, single(context, result, "cbc:TotalAmount")) };
}

export function mapLotResult(
  context: NoticeContext,
  lotResult: XmlElement,
  known: {
    parties: ReadonlyMap<string, ParsedWinner[]>;
    tenders: ReadonlyMap<string, TenderInfo>;
    contracts: ReadonlyMap<string, ContractInfo>;
    knownLots: ReadonlySet<string>;
  },
): ParsedAward[] {
  const lotId = singleText(context, lotResult, "efac:TenderLot/cbc:ID");
  if (lotId !== null && !known.knownLots.has(lotId)) {
    context.issues.add(pathBelow(lotResult, "efac:TenderLot/cbc:ID"), `result for lot ${lotId}, which the notice does not define`);
  }
  const resultCode = singleText(context, lotResult, "cbc:TenderResultCode");
  const contractIds = referencedIds(context, lotResult, "efac:SettledContract/cbc:ID", known.contracts, "contract");
  const listedTenderIds = referencedIds(context, lotResult, "efac:LotTender/cbc:ID", known.tenders, "tender");
  const contracted = unique(contractIds.flatMap((id) => known.contracts.get(id)?.tenderIds ?? []));
  const winning =
    contracted.length > 0
      ? contracted.filter((id) => {
          const tenderLot = known.tenders.get(id)?.lotId ?? null;
          return lotId === null || tenderLot === null || tenderLot === lotId;
        })
      : resultCode === "selec-w"
        ? listedTenderIds.filter((id) => [null, 1].includes(known.tenders.get(id)?.rank ?? null))
        : [];
  const received = allOf(lotResult, "efac:ReceivedSubmissionsStatistics").find((statistics) => textOf(statistics, "efbc:StatisticsCode") === "tenders");
  const receivedCount = single(context, received, "efbc:StatisticsNumeric");
  const base = {
    resultId: singleText(context, lotResult, "cbc:ID"),
    lotId,
    resultCode,
    tendersReceived: receivedCount ? integer(context, receivedCount) : null,
  };
  if (winning.length === 0) {
    return [
      {
        ...base,
        tenderId: null,
        tenderReference: null,
        winners: [],
        amount: null,
        awardDate: null,
        contractConclusionDate: null,
        contractReference: null,
      },
    ];
  }
  return winning.map((tenderId): ParsedAward => {
    const tender = known.tenders.get(tenderId) ?? null;
    const contract =
      contractIds.map((id) => known.contracts.get(id)).find((candidate) => candidate?.tenderIds.includes(tenderId)) ??
      [...known.contracts.values()].find((candidate) => candidate.tenderIds.includes(tenderId)) ??
      null;
    return {
      ...base,
      lotId: lotId ?? tender?.lotId ?? null,
      tenderId,
      tenderReference: tender?.reference ?? null,
      winners: tender?.partyId ? (known.parties.get(tender.partyId) ?? []).map((winner) => ({ ...winner })) : [],
      amount: tender?.amount ?? null,
      awardDate: contract?.awardDate ?? null,
      contractConclusionDate: contract?.conclusionDate ?? null,
      contractReference: contract?.reference ?? null,
    };
  });
}

/** The identifiers at `path` below `element`, each checked against the defined ones. */
export function referencedIds(context: Context, element: XmlElement, path: string, defined: ReadonlyMap<string, unknown>, what: string): string[] {
  return unique(
    allOf(element, path).flatMap((reference) => {
      const id = textOf(reference);
      if (id === null) return [];
      if (!defined.has(id)) {
        context.issues.add(reference.path, `refers to ${what} ${id}, which the notice does not define`);
        return [];
      }
      return [id];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Changes

export interface Changes {
  readonly present: boolean;
  readonly changedNoticeId: string | null;
  readonly changedNoticeVersion: string | null;
  readonly reasonCode: string | null;
  readonly description: string | null;
  readonly sections: string[];
}

export function mapChanges(context: Context, changes: XmlElement | null): Changes {
  if (changes === null) {
    return { present: false, changedNoticeId: null, changedNoticeVersion: null, reasonCode: null, description: null, sections: [] };
  }
  const changed = singleText(context, changes, "efbc:ChangedNoticeIdentifier");
  const versioned = changed ? /^(.+)-(\d{2})$/.exec(changed) : null;
  const reason = single(context, changes, "efac:ChangeReason");
  const descriptions = allOf(changes, "efac:Change")
    .map((change) => localized(context, change, "efbc:ChangeDescription", multiLine)?.text ?? null)
    .filter(isPresent);
  return {
    present: true,
    changedNoticeId: versioned ? (versioned[1] ?? changed) : changed,
    changedNoticeVersion: versioned ? (versioned[2] ?? null) : null,
    reasonCode: singleText(context, reason, "cbc:ReasonCode"),
    description: descriptions.length > 0 ? descriptions.join("\n\n") : (localized(context, reason, "efbc:ReasonDescription", multiLine)?.text ?? null),
    sections: unique(
      allOf(changes, "efac:Change/efac:ChangedSection/efbc:ChangedSectionIdentifier")
        .map((section) => textOf(section))
        .filter(isPresent),
    ),
  };
}
