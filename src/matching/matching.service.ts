import type { EntityManager } from "@mikro-orm/postgresql";
import { BadInputError, NotFoundError } from "../common/errors";
import { decodeId } from "../common/node";
import { decodeOffset, encodeCursor, pageSize, toConnection, type ConnectionShape } from "../common/pagination";
import { decimal, pgArray } from "../common/validate";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { roleIn, type Actor } from "../auth/actor";
import { assertVerifiedCooperative } from "../cooperatives/cooperative.status";
import { Lot, Tender } from "../tenders/tender.entity";
import { TenderStatus } from "../tenders/tender.enums";
import { viewerCanRead } from "../tenders/tender.queries";
import { suggestConsortia, TEAM_OBJECTIVES, type ConsortiumCandidate, type TeamPreferenceName } from "./consortium";
import { CANDIDATE_POOL, findCandidates, findCandidatesOfMany, loadProfiles } from "./matching.candidates";
import { authorizeMatching, canRankDirectory, canSeeCooperativeFit } from "./matching.policy";
import type { ConsortiumSuggestions, Match, MatchScoreResult, MatchWeightsInput, Opportunity } from "./matching.types";
import {
  rankCandidates,
  scoreCandidate,
  validateProximityOptions,
  validateWeights,
  type CandidateProfile,
  type Demand,
  type ProximityOptions,
  type ScoringWeights,
} from "./scoring";

export interface MatchOptions {
  weights?: MatchWeightsInput | null;
  decayKm?: number | null;
  maxDistanceKm?: number | null;
  minScore?: number | null;
}

interface ResolvedOptions {
  weights: ScoringWeights;
  proximity: ProximityOptions;
  minScore: number;
}

function resolveOptions(options: MatchOptions): ResolvedOptions {
  const weights = validateWeights(options.weights ?? {});
  const proximity = validateProximityOptions({ decayKm: options.decayKm ?? undefined, maxDistanceKm: options.maxDistanceKm ?? null });
  const minScore = options.minScore == null ? 0 : decimal("minScore", options.minScore, 0, 1);
  return { weights, proximity, minScore };
}

/**
 * The place of performance as explanations name it: the commune and its NUTS code ("Toulouse
 * (FRJ23)"), else the NUTS code or the department; never the buyer, whose seat may be far away.
 */
export function placeLabel(tender: Tender): string | null {
  const city = tender.city?.trim() || null;
  const nuts = tender.nutsCode?.trim() || null;
  if (city && nuts) return `${city} (${nuts})`;
  if (city) return city;
  if (nuts) return `the NUTS area ${nuts}`;
  if (tender.departmentCode) return `the department ${tender.departmentCode}`;
  return null;
}

/** What a tender (all its lots) or one lot asks for. */
export function demandOf(tender: Tender, lots: readonly Lot[], lot: Lot | null): Demand {
  const cpvCodes = lot ? lot.cpvCodes : [...new Set([...tender.cpvCodes, ...lots.flatMap((l) => l.cpvCodes)])];
  return {
    cpvCodes,
    place: tender.latitude !== null && tender.longitude !== null ? { lat: tender.latitude, lon: tender.longitude, label: placeLabel(tender) } : null,
    value: lot ? lot.estimatedValue : tender.estimatedValue,
  };
}

async function lotsOf(em: EntityManager, tender: Tender): Promise<Lot[]> {
  return em.find(Lot, { tender }, { orderBy: { number: "asc" } });
}

function findLot(lots: Lot[], globalId: string | null | undefined, field = "lot"): Lot | null {
  if (globalId == null) return null;
  const id = decodeId("Lot", globalId, field);
  const lot = lots.find((l) => l.id === id);
  if (!lot) throw new NotFoundError("Lot", globalId);
  return lot;
}

/** A record loaded just before by id; missing means it vanished meanwhile (an internal error, not the caller's). */
function loaded<T>(map: ReadonlyMap<string, T>, id: string): T {
  const value = map.get(id);
  if (value === undefined) throw new Error(`matching: ${id} was not loaded`);
  return value;
}

async function cooperativesById(em: EntityManager, ids: string[]): Promise<Map<string, Cooperative>> {
  const list = ids.length ? await em.find(Cooperative, { id: { $in: ids } }) : [];
  return new Map(list.map((c) => [c.id, c]));
}

/** `Tender.matches`: the directory ranked for a tender or one of its lots. */
export async function matchesForTender(
  actor: Actor,
  tender: Tender,
  args: MatchOptions & { lot?: string | null; first?: number | null; after?: string | null },
  now = new Date(),
): Promise<ConnectionShape<Match>> {
  authorizeMatching(canRankDirectory(actor.viewer), "the ranking of the directory");
  const size = pageSize(args.first);
  const offset = decodeOffset(args.after);
  const options = resolveOptions(args);
  const lots = await lotsOf(actor.em, tender);
  const demand = demandOf(tender, lots, findLot(lots, args.lot));
  const candidates = await findCandidates(actor.em, { demand, maxDistanceKm: options.proximity.maxDistanceKm ?? null });
  const ranked = rankCandidates(demand, candidates, options.weights, options.proximity, now).filter((r) => r.score >= options.minScore);
  const window = ranked.slice(offset, offset + size + 1);
  const cooperatives = await cooperativesById(
    actor.em,
    window.map((r) => r.id),
  );
  const rows: Match[] = window.map((r, i) => ({ ...r, rank: offset + i + 1, cooperative: loaded(cooperatives, r.id) }));
  return toConnection(rows, size, (row) => encodeCursor([row.rank - 1]), ranked.length, offset > 0);
}

async function loadCooperativeProfile(em: EntityManager, cooperative: Cooperative): Promise<CandidateProfile> {
  const [profile] = await loadProfiles(em, [
    {
      id: cooperative.id,
      name: cooperative.name,
      city: cooperative.city,
      latitude: cooperative.latitude,
      longitude: cooperative.longitude,
      headcount: cooperative.headcount,
      annual_revenue: cooperative.annualRevenue,
      distance_km: null,
    },
  ]);
  return loaded(new Map(profile ? [[cooperative.id, profile]] : []), cooperative.id);
}

/** `Cooperative.matchScore`: one cooperative against one tender (or lot), explained. */
export async function matchScore(
  actor: Actor,
  cooperative: Cooperative,
  tender: Tender,
  args: MatchOptions & { lot?: string | null },
  now = new Date(),
): Promise<MatchScoreResult> {
  authorizeMatching(canSeeCooperativeFit(actor.viewer, await roleIn(actor, cooperative.id)), "this cooperative's scores");
  const options = resolveOptions(args);
  const lots = await lotsOf(actor.em, tender);
  const demand = demandOf(tender, lots, findLot(lots, args.lot));
  return scoreCandidate(demand, await loadCooperativeProfile(actor.em, cooperative), options.weights, options.proximity, now);
}

/** Open tenders that overlap the cooperative's skills, for scoring: at most CANDIDATE_POOL. */
async function openTendersFor(em: EntityManager, cooperative: Cooperative, now: Date): Promise<Tender[]> {
  const prefixes = cooperative.cpvPrefixes.filter((p) => p.length >= 3);
  if (prefixes.length === 0) return [];
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(
    `SELECT t.* FROM tenders t
      WHERE t.status = ? AND (t.submission_deadline IS NULL OR t.submission_deadline > ?)
        AND t.cpv_prefixes && ?::text[]
      ORDER BY (SELECT coalesce(sum(length(x)), 0) FROM unnest(t.cpv_prefixes) AS x WHERE x = ANY(?::text[])) DESC,
               t.submission_deadline ASC NULLS LAST, t.id
      LIMIT ?`,
    [TenderStatus.OPEN, now, pgArray(prefixes), pgArray(prefixes), CANDIDATE_POOL],
  );
  return rows.map((row) => em.map(Tender, row));
}

/** `Cooperative.opportunities`: open tenders ranked for a cooperative. */
export async function opportunitiesFor(
  actor: Actor,
  cooperative: Cooperative,
  args: MatchOptions & { first?: number | null; after?: string | null },
  now = new Date(),
): Promise<ConnectionShape<Opportunity>> {
  authorizeMatching(canSeeCooperativeFit(actor.viewer, await roleIn(actor, cooperative.id)), "this cooperative's opportunities");
  assertVerifiedCooperative(cooperative, "see opportunities");
  const size = pageSize(args.first);
  const offset = decodeOffset(args.after);
  const options = resolveOptions(args);
  const open = await openTendersFor(actor.em, cooperative, now);
  // Direct orders are for their client, the staff and shortlisted cooperatives only.
  const readable = await Promise.all(open.map((t) => viewerCanRead(actor.em, actor.viewer, t)));
  const tenders = open.filter((_, i) => readable[i]);
  const profile = await loadCooperativeProfile(actor.em, cooperative);
  const lots = tenders.length ? await actor.em.find(Lot, { tender: { $in: tenders.map((t) => t.id) } }) : [];
  const ranked = tenders
    .map((tender) => ({
      tender,
      ...scoreCandidate(
        demandOf(
          tender,
          lots.filter((l) => l.tender.id === tender.id),
          null,
        ),
        profile,
        options.weights,
        options.proximity,
        now,
      ),
    }))
    .filter((r) => r.score >= options.minScore && (options.proximity.maxDistanceKm == null || (r.distanceKm ?? Infinity) <= options.proximity.maxDistanceKm))
    // Skill first: a tender none of whose codes the cooperative covers comes after those it covers.
    .sort(
      (a, b) =>
        Number(a.coveredCpv.length === 0) - Number(b.coveredCpv.length === 0) ||
        b.score - a.score ||
        (a.tender.submissionDeadline?.getTime() ?? Infinity) - (b.tender.submissionDeadline?.getTime() ?? Infinity) ||
        a.tender.id.localeCompare(b.tender.id),
    );
  const rows: Opportunity[] = ranked.slice(offset, offset + size + 1).map((r, i) => ({ ...r, rank: offset + i + 1 }));
  return toConnection(rows, size, (row) => encodeCursor([row.rank - 1]), ranked.length, offset > 0);
}

/** Lot scores below this do not count as "able to do the lot". */
export const LOT_SCORE_FLOOR = 0.35;
/** Candidates scored per lot before the consortium search. */
const POOL_PER_LOT = 60;

/** Cooperatives already leading a bid on this tender may join a team, not lead it. */
async function currentLeads(em: EntityManager, tenderId: string): Promise<string[]> {
  const rows = await em.getConnection().execute<{ lead_id: string }[]>("SELECT lead_id FROM bids WHERE tender_id = ? AND status <> 'WITHDRAWN'", [tenderId]);
  return rows.map((r) => r.lead_id);
}

type LotCandidate = ConsortiumCandidate & { lotScores: Record<string, number>; lotEvidence: Record<string, string> };

interface LotUnit {
  lot: Lot | null;
  demand: Demand;
}

/**
 * Every cooperative able to do a lot, with its score and evidence per lot: the candidate
 * statements of the lots and their profile loads (findCandidatesOfMany), then the scoring per
 * lot (the lead, when given, is scored on every lot wherever it is).
 */
async function lotCandidates(
  em: EntityManager,
  units: readonly LotUnit[],
  context: { options: ResolvedOptions; now: Date; leadId: string | null; leadProfile: CandidateProfile | null; tenderId: string },
): Promise<LotCandidate[]> {
  const { options, now, leadId, leadProfile } = context;
  const maxDistanceKm = options.proximity.maxDistanceKm ?? null;
  const { rows: rowsPerUnit, profiles } = await findCandidatesOfMany(
    em,
    units.map(({ demand }) => ({ demand, maxDistanceKm, limit: POOL_PER_LOT })),
  );
  const candidates = new Map<string, LotCandidate>();
  units.forEach(({ lot, demand }, index) => {
    const key = lot?.id ?? context.tenderId;
    const pool = (rowsPerUnit[index] ?? []).flatMap((row) => profiles.get(row.id) ?? []);
    const partners = pool.filter((p) => p.id !== leadId);
    // The distance limit is for partners: the lead leads wherever it is.
    const ranking = [
      ...rankCandidates(demand, partners, options.weights, options.proximity, now),
      ...(leadProfile ? rankCandidates(demand, [leadProfile], options.weights, { ...options.proximity, maxDistanceKm: null }, now) : []),
    ];
    for (const ranked of ranking) {
      const entry = candidates.get(ranked.id) ?? { id: ranked.id, name: ranked.name, distanceKm: ranked.distanceKm, lotScores: {}, lotEvidence: {} };
      // Able to do the lot: covers at least one of its CPV codes (similarity 0.6 or more).
      if (ranked.score >= LOT_SCORE_FLOOR && ranked.coveredCpv.length > 0) {
        entry.lotScores[key] = ranked.score;
        entry.lotEvidence[key] = ranked.components.find((c) => c.name === "SKILLS")?.evidence ?? "";
      }
      candidates.set(ranked.id, entry);
    }
  });
  return [...candidates.values()];
}

/** `Tender.consortiumSuggestions`: teams covering every lot, optionally built around a lead. */
export async function consortiumSuggestions(
  actor: Actor,
  tender: Tender,
  args: MatchOptions & { first?: number | null; lead?: string | null; preference?: TeamPreferenceName | null },
  now = new Date(),
): Promise<ConsortiumSuggestions> {
  const preference = args.preference ?? "BALANCED";
  if (!Object.hasOwn(TEAM_OBJECTIVES, preference)) throw new BadInputError("preference", "must be LOCAL, BALANCED or SMALL_TEAM");
  const leadId = args.lead == null ? null : decodeId("Cooperative", args.lead, "lead");
  const leadRole = leadId ? await roleIn(actor, leadId) : null;
  authorizeMatching(canRankDirectory(actor.viewer) || leadRole !== null, "consortium suggestions (a cooperative may ask for its own, as lead)");
  const first = pageSize(args.first, 20);
  const options = resolveOptions(args);
  const { em } = actor;
  const lots = await lotsOf(em, tender);
  // A tender without lots is one lot.
  const units = lots.length ? lots.map((lot) => ({ lot, demand: demandOf(tender, lots, lot) })) : [{ lot: null, demand: demandOf(tender, [], null) }];
  if (units.some((u) => u.demand.cpvCodes.length === 0)) {
    throw new BadInputError("tender", "every lot needs CPV codes to be matched");
  }
  const leadCooperative = leadId ? await em.findOne(Cooperative, { id: leadId }) : null;
  if (leadId && !leadCooperative) throw new NotFoundError("Cooperative", args.lead ?? undefined);
  if (leadCooperative) assertVerifiedCooperative(leadCooperative, "lead a bid");
  const leadProfile = leadCooperative ? await loadCooperativeProfile(em, leadCooperative) : null;
  // Independent reads, on two connections at once.
  const [candidates, leads] = await Promise.all([
    lotCandidates(em, units, { options, now, leadId, leadProfile, tenderId: tender.id }),
    currentLeads(em, tender.id),
  ]);
  const excluded = leads.filter((id) => id !== leadId);
  const result = suggestConsortia({
    lots: units.map(({ lot }) => ({ lotId: lot?.id ?? tender.id, label: lot?.title ?? tender.title, number: lot?.number ?? null })),
    candidates: candidates.filter((c) => Object.keys(c.lotScores).length > 0 || c.id === leadId),
    maxLotsPerMember: tender.maxLotsPerTenderer,
    lead: leadId,
    excludedLeads: excluded,
    first,
    objective: { ...TEAM_OBJECTIVES[preference], decayKm: options.proximity.decayKm },
    place: placeLabel(tender),
  });
  const cooperatives = await cooperativesById(em, [...new Set(result.suggestions.flatMap((s) => s.members.map((m) => m.id)))]);
  const lotById = new Map(lots.map((l) => [l.id, l]));
  return {
    exact: result.exact,
    notes: result.notes,
    uncoveredLots: result.uncoveredLots.flatMap((id) => lotById.get(id) ?? []),
    suggestions: result.suggestions.map((s, i) => ({
      rank: i + 1,
      score: s.score,
      memberCount: s.memberCount,
      totalDistanceKm: s.totalDistanceKm,
      explanation: s.explanation,
      members: s.members.map((m) => ({
        cooperative: loaded(cooperatives, m.id),
        role: m.role,
        distanceKm: m.distanceKm,
        lots: m.lots.flatMap((id) => lotById.get(id) ?? []),
      })),
    })),
  };
}
