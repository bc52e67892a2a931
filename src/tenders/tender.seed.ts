import type { EntityManager } from "@mikro-orm/postgresql";
import { PlatformRole } from "../auth/roles";
import { User } from "../auth/user.entity";
import { findDepartment } from "../common/reference/reference";
import { Cooperative, Membership } from "../cooperatives/cooperative.entity";
import { commissionOf } from "./outcome.service";
import { Lot, Outcome, ShortlistEntry, Tender } from "./tender.entity";
import { InvitationAnswer, OutcomeResult, TenderKind, TenderStatus } from "./tender.enums";
import { cpvSummary } from "./tender.cpv";
import { placeOf } from "../places/place.embeddable";

const BUYERS = [
  "Région Normandie",
  "Ville de Lyon",
  "Département de la Gironde",
  "CHU de Nantes",
  "Métropole de Lille",
  "Université de Rennes",
  "Ville de Besançon",
  "Musée des Beaux-Arts de Rouen",
];
const CLIENT_FIRMS = ["Biocoop Ouest", "Mutuelle des Cheminots", "Brasserie du Pays Basque", "Théâtre du Rond-Point", "Fondation Abbé Pierre"];

/** Demand that the demo cooperatives can answer: lots on the codes of the trades. */
const NEEDS: { title: string; lots: [string, string[]][] }[] = [
  {
    title: "Campagne de communication sur la mobilité douce",
    lots: [
      ["Conception graphique", ["79822500"]],
      ["Impression des supports", ["79810000", "79823000"]],
      ["Film de campagne", ["92111000"]],
    ],
  },
  {
    title: "Refonte du site internet et de l'identité visuelle",
    lots: [
      ["Identité visuelle", ["79822500"]],
      ["Site web", ["72413000", "72212200"]],
    ],
  },
  {
    title: "Organisation des Rencontres régionales de l'économie sociale",
    lots: [
      ["Organisation de l'événement", ["79952000"]],
      ["Captation vidéo", ["92111000"]],
      ["Reportage photo", ["79961000"]],
    ],
  },
  {
    title: "Traduction et sous-titrage des contenus du musée",
    lots: [
      ["Traduction", ["79530000"]],
      ["Sous-titrage vidéo", ["79540000"]],
    ],
  },
  {
    title: "Rapport annuel et magazine institutionnel",
    lots: [
      ["Mise en page", ["79822500"]],
      ["Impression", ["79810000"]],
    ],
  },
  { title: "Campagne de relations presse", lots: [["Relations presse", ["79416000"]]] },
];

/** What the demo outcomes are drawn from. */
interface OutcomeSeed {
  rand: () => number;
  pick: <T>(items: readonly T[]) => T;
  now: number;
  day: number;
  cooperatives: Cooperative[];
  officer: User | null;
  commissionRate: number;
  create: (
    kind: TenderKind,
    status: TenderStatus,
    near: Cooperative,
    need: (typeof NEEDS)[number],
    publishedAt: Date,
    deadline: Date,
    buyerName: string,
  ) => Tender;
}

/** Two years of awarded tenders with their outcomes; returns how many outcomes. */
function seedOutcomes(em: EntityManager, seed: OutcomeSeed): number {
  const { rand, pick, now, day, cooperatives, officer, commissionRate, create } = seed;
  let outcomes = 0;
  for (let m = 1; m <= 23; m++) {
    const perMonth = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < perMonth; k++) {
      const near = pick(cooperatives);
      const kind = rand() < 0.3 ? pick([TenderKind.PUBLIC_TENDER, TenderKind.CALL_FOR_PROJECTS]) : TenderKind.DIRECT_ORDER;
      const awardedAt = new Date(now - m * 30 * day + Math.floor(rand() * 20) * day);
      const tender = create(
        kind,
        TenderStatus.AWARDED,
        near,
        pick(NEEDS),
        new Date(awardedAt.getTime() - 60 * day),
        new Date(awardedAt.getTime() - 20 * day),
        kind === TenderKind.DIRECT_ORDER ? pick(CLIENT_FIRMS) : pick(BUYERS),
      );
      if (kind === TenderKind.DIRECT_ORDER) tender.client = null;
      const won = rand() < 0.75;
      const winners = won ? [near, ...(rand() < 0.3 ? [pick(cooperatives)] : [])].filter((c, i, all) => all.indexOf(c) === i) : [];
      const amount = won ? Math.round((tender.estimatedValue ?? 20_000) * (0.8 + rand() * 0.25)) : 0;
      em.create(Outcome, {
        tender,
        result: won ? OutcomeResult.WON : OutcomeResult.LOST,
        winnerIds: winners.map((c) => c.id),
        consortiumName: winners.length > 1 ? `Groupement ${winners.map((c) => c.name).join(" – ")}`.slice(0, 300) : null,
        awardedAmount: amount,
        commissionRate,
        commission: commissionOf(amount, commissionRate),
        awardedAt,
        recordedBy: officer,
      });
      outcomes++;
    }
  }
  return outcomes;
}

/** The demo member's cooperative is invited to the first tender, with a partner who answered. */
async function seedDemoShortlist(
  em: EntityManager,
  tender: Tender,
  cooperatives: readonly Cooperative[],
  officer: User | null,
  answeredAt: Date,
): Promise<void> {
  const demoMembership = await em.findOne(Membership, { user: { email: "member@demo.scopgraph.coop" } });
  if (!demoMembership) return;
  em.create(ShortlistEntry, { tender, cooperative: demoMembership.cooperative, note: "Compétences et proximité", invitedBy: officer });
  // Another cooperative than the demo member's (the list's order is the database's).
  const partner = cooperatives.find((c) => c.id !== demoMembership.cooperative.id) as Cooperative;
  em.create(ShortlistEntry, { tender, cooperative: partner, note: "Partenaire possible", answer: InvitationAnswer.INTERESTED, invitedBy: officer, answeredAt });
}

/**
 * Demo tenders for the demo directory: open tenders and calls placed at the communes of demo
 * cooperatives (so that matching finds neighbours), a client's direct order, a shortlist for the
 * demo member's cooperative, and two years of past outcomes for the business volume.
 */
export async function seedTenders(em: EntityManager, rand: () => number, commissionRate = 0.03): Promise<{ tenders: number; outcomes: number }> {
  const cooperatives = await em.find(Cooperative, { place: { communeCode: { $ne: null } } }, { orderBy: { id: "asc" }, limit: 40 });
  if (cooperatives.length === 0) return { tenders: 0, outcomes: 0 };
  const officer = await em.findOne(User, { role: PlatformRole.MISSION_OFFICER });
  const client = await em.findOne(User, { role: PlatformRole.CLIENT });
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const now = Date.now();
  const day = 86400_000;
  let tenders = 0;

  const create = (
    kind: TenderKind,
    status: TenderStatus,
    near: Cooperative,
    need: (typeof NEEDS)[number],
    publishedAt: Date,
    deadline: Date,
    buyerName: string,
  ) => {
    const lots = need.lots.map(([title, codes], i) => ({ number: i + 1, title, cpvCodes: codes, estimatedValue: Math.round((8 + rand() * 70) * 1000) }));
    const tender = em.create(Tender, {
      kind,
      status,
      title: `${need.title} — ${near.place.city}`,
      description: `${need.title}. Prestations réalisées à ${near.place.city} et alentours.`,
      buyerName,
      place: placeOf(near.place),
      nutsCode: near.place.departmentCode ? (findDepartment(near.place.departmentCode)?.nuts3 ?? null) : null,
      countryCode: "FRA",
      estimatedValue: lots.reduce((s, l) => s + l.estimatedValue, 0),
      publishedAt,
      submissionDeadline: deadline,
      awardCriteria: [
        { name: "Valeur technique", weight: 60 },
        { name: "Prix", weight: 40 },
      ],
      maxLotsPerTenderer: lots.length > 2 ? 2 : null,
      groupLegalFormRequired: lots.length > 1 ? true : null,
      groupLegalForm: lots.length > 1 ? "Groupement conjoint avec mandataire solidaire" : null,
      bidAloneAndInGroupAllowed: false,
      assignedOfficer: officer,
      createdBy: officer,
      client: kind === TenderKind.DIRECT_ORDER ? client : null,
      ...cpvSummary(lots.map((l) => l.cpvCodes)),
    });
    for (const lot of lots) em.create(Lot, { ...lot, tender, cpvPrefixes: cpvSummary([lot.cpvCodes]).cpvPrefixes });
    tenders++;
    return tender;
  };

  // Open opportunities near the cooperatives.
  const open: Tender[] = [];
  for (let i = 0; i < 16; i++) {
    const near = cooperatives[i % cooperatives.length] as Cooperative;
    const kind = i % 4 === 3 ? TenderKind.CALL_FOR_PROJECTS : TenderKind.PUBLIC_TENDER;
    open.push(create(kind, TenderStatus.OPEN, near, NEEDS[i % NEEDS.length]!, new Date(now - (2 + i) * day), new Date(now + (10 + 3 * i) * day), pick(BUYERS)));
  }
  if (client) {
    const near = cooperatives[0] as Cooperative;
    open.push(create(TenderKind.DIRECT_ORDER, TenderStatus.OPEN, near, NEEDS[4]!, new Date(now - day), new Date(now + 21 * day), client.name));
  }
  if (open[0]) await seedDemoShortlist(em, open[0], cooperatives, officer, new Date(now - day));
  // A draft an officer is preparing.
  create(
    TenderKind.PUBLIC_TENDER,
    TenderStatus.DRAFT,
    cooperatives[2] as Cooperative,
    NEEDS[1]!,
    new Date(now),
    new Date(now + 40 * day),
    pick(BUYERS),
  ).publishedAt = null;

  // Two years of outcomes: direct orders are most of the business, tenders about 30%.
  const outcomes = seedOutcomes(em, { rand, pick, now, day, cooperatives, officer, commissionRate, create });
  await em.flush();
  return { tenders, outcomes };
}
