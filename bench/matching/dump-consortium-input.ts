/**
 * Writes the solver input of `consortiumSuggestions` (BALANCED, no lead, first 5) for one
 * tender of a kept bench database as JSON, to profile the solver alone:
 * `npx ts-node --transpile-only bench/matching/dump-consortium-input.ts <database url> <tender id> <out.json>`,
 * then `node --cpu-prof -r ts-node/register/transpile-only bench/matching/solve-input.ts <out.json>`.
 */
import "reflect-metadata";
import { writeFileSync } from "node:fs";
import { MikroORM } from "@mikro-orm/postgresql";
import { ormConfig } from "../../src/db/mikro-orm.config";
import { TEAM_OBJECTIVES, type ConsortiumCandidate } from "../../src/matching/consortium";
import { findCandidateRowsOfMany, loadProfiles } from "../../src/matching/matching.candidates";
import { demandOf, LOT_SCORE_FLOOR, placeLabel } from "../../src/matching/matching.service";
import { rankCandidates, validateProximityOptions, validateWeights } from "../../src/matching/scoring";
import { Lot, Tender } from "../../src/tenders/tender.entity";

async function main(url: string, tenderId: string, out: string): Promise<void> {
  const orm = await MikroORM.init(ormConfig(url, { pool: { min: 0, max: 5 } }));
  try {
    const em = orm.em.fork();
    const tender = await em.findOneOrFail(Tender, { id: tenderId });
    const lots = await em.find(Lot, { tender }, { orderBy: { number: "asc" } });
    const weights = validateWeights({});
    const proximity = validateProximityOptions({});
    const now = new Date();
    const candidates = new Map<string, ConsortiumCandidate & { lotScores: Record<string, number>; lotEvidence: Record<string, string> }>();
    const rowsPerLot = await findCandidateRowsOfMany(
      em,
      lots.map((lot) => ({ demand: demandOf(tender, lots, lot), maxDistanceKm: null, limit: 60 })),
    );
    for (const [i, lot] of lots.entries()) {
      const demand = demandOf(tender, lots, lot);
      const profiles = await loadProfiles(em, rowsPerLot[i] ?? []);
      for (const ranked of rankCandidates(demand, profiles, weights, proximity, now)) {
        const entry = candidates.get(ranked.id) ?? { id: ranked.id, name: ranked.name, distanceKm: ranked.distanceKm, lotScores: {}, lotEvidence: {} };
        if (ranked.score >= LOT_SCORE_FLOOR && ranked.coveredCpv.length > 0) {
          entry.lotScores[lot.id] = ranked.score;
          entry.lotEvidence[lot.id] = ranked.components.find((c) => c.name === "SKILLS")?.evidence ?? "";
        }
        candidates.set(ranked.id, entry);
      }
    }
    const input = {
      lots: lots.map((lot) => ({ lotId: lot.id, label: lot.title, number: lot.number })),
      candidates: [...candidates.values()].filter((c) => Object.keys(c.lotScores).length > 0),
      maxLotsPerMember: tender.maxLotsPerTenderer,
      lead: null,
      excludedLeads: [],
      first: 5,
      objective: TEAM_OBJECTIVES.BALANCED,
      place: placeLabel(tender),
    };
    writeFileSync(out, JSON.stringify(input));
  } finally {
    await orm.close(true);
  }
}

const [url, tenderId, out] = process.argv.slice(2);
if (!url || !tenderId || !out) throw new Error("usage: dump-consortium-input.ts <database url> <tender id> <out.json>");
main(url, tenderId, out).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
