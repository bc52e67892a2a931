import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Connection } from "../common/pagination";
import { Lot, Tender } from "../tenders/tender.entity";
import type { ComponentName } from "./scoring";

export enum MatchComponentName {
  SKILLS = "SKILLS",
  PROXIMITY = "PROXIMITY",
  CAPACITY = "CAPACITY",
  TRACK_RECORD = "TRACK_RECORD",
}

registerEnumType(MatchComponentName, {
  name: "MatchComponentName",
  description: "The parts a match score is made of.",
  valuesConfig: {
    SKILLS: { description: "CPV codes asked against the cooperative's skills, with partial credit along the CPV hierarchy, weighted by level." },
    PROXIMITY: { description: "Distance to the place of performance, halving every `decayKm`." },
    CAPACITY: { description: "Size and revenue against the value, less the load of open bids." },
    TRACK_RECORD: { description: "Won contracts and references on similar CPV codes, recent ones weighing more." },
  },
});

export enum TeamPreference {
  LOCAL = "LOCAL",
  BALANCED = "BALANCED",
  SMALL_TEAM = "SMALL_TEAM",
}

registerEnumType(TeamPreference, {
  name: "TeamPreference",
  description:
    "How consortium suggestions weigh closeness to the place of performance against the number of members. A team's value is the sum over its lots of the lot's match score plus a locality bonus (the member's closeness, 1 on site, halving every `decayKm`, default 50 km), less a penalty per member; highest first.",
  valuesConfig: {
    LOCAL: { description: "Near the client first: locality bonus 0.5 per lot, 0.05 per member." },
    BALANCED: {
      description: "The default: locality bonus 0.25 per lot, 0.15 per member. A close team of three comes before one far cooperative doing two lots.",
    },
    SMALL_TEAM: { description: "Fewest members first, wherever they are; then the best lot scores, then the shortest total distance." },
  },
});

@ObjectType({ description: "One part of a match score, with the plain words behind it." })
export class MatchComponent {
  @Field(() => MatchComponentName, { description: "Which part." })
  name!: ComponentName;

  @Field(() => Float, { description: "Its value, 0 to 1." })
  value!: number;

  @Field(() => Float, { description: "Its weight (weights sum to 1)." })
  weight!: number;

  @Field(() => Float, { description: "value × weight: what it adds to the score." })
  contribution!: number;

  @Field({ description: 'Why, in plain words ("3 of 4 CPV codes, 2 exact", "12 km from Rouen").' })
  evidence!: string;
}

@ObjectType({ description: "How well one cooperative fits one demand (a tender or a lot), explained." })
export class MatchScoreResult {
  @Field(() => Float, { description: "Score in [0, 1]: the sum of the contributions." })
  score!: number;

  @Field(() => [MatchComponent], { description: "The components, with weights and evidence." })
  components!: MatchComponent[];

  @Field(() => Float, { nullable: true, description: "Great-circle distance to the place of performance, in km; null when unknown." })
  distanceKm!: number | null;

  @Field(() => [String], { description: "Demanded CPV codes the cooperative covers." })
  coveredCpv!: string[];
}

@ObjectType({ description: "A cooperative ranked for a tender or a lot." })
export class Match extends MatchScoreResult {
  @Field(() => Int, { description: "1 for the best match." })
  rank!: number;

  @Field(() => Cooperative, { description: "The cooperative." })
  cooperative!: Cooperative;
}

@ObjectType({ description: "An open tender ranked for a cooperative." })
export class Opportunity extends MatchScoreResult {
  @Field(() => Int, { description: "1 for the best fit." })
  rank!: number;

  @Field(() => Tender, { description: "The tender." })
  tender!: Tender;
}

export const MatchConnection = Connection(Match, "Match", "match");
export const OpportunityConnection = Connection(Opportunity, "Opportunity", "opportunity");

@InputType({ description: "Weights of the score's components; missing ones take their default, then all are scaled to sum to 1." })
export class MatchWeightsInput {
  @Field(() => Float, { nullable: true, description: "Skill fit, default 0.5." })
  skills?: number | null;

  @Field(() => Float, { nullable: true, description: "Proximity, default 0.2." })
  proximity?: number | null;

  @Field(() => Float, { nullable: true, description: "Capacity, default 0.15." })
  capacity?: number | null;

  @Field(() => Float, { nullable: true, description: "Track record, default 0.15." })
  trackRecord?: number | null;
}

@ObjectType({ description: "A member of a suggested consortium." })
export class SuggestedMember {
  @Field(() => Cooperative, { description: "The cooperative." })
  cooperative!: Cooperative;

  @Field({ description: "LEAD (mandataire) or MEMBER." })
  role!: string;

  @Field(() => [Lot], { description: "The lots it would take." })
  lots!: Lot[];

  @Field(() => Float, { nullable: true, description: "Its distance to the place of performance, in km." })
  distanceKm!: number | null;
}

@ObjectType({ description: "A team of cooperatives that together covers the tender's lots." })
export class ConsortiumSuggestion {
  @Field(() => Int, { description: "1 for the best team, by the `preference` asked (see TeamPreference; default BALANCED)." })
  rank!: number;

  @Field(() => [SuggestedMember], { description: "The members, lead first." })
  members!: SuggestedMember[];

  @Field(() => Float, { description: "Mean score of the lot assignments." })
  score!: number;

  @Field(() => Int, { description: "How many cooperatives." })
  memberCount!: number;

  @Field(() => Float, { nullable: true, description: "Sum of the members' distances, in km." })
  totalDistanceKm!: number | null;

  @Field(() => [String], {
    description:
      "The assignment in plain words: lot by lot (who, its score, how its skills meet the lot's codes, its distance to the place of performance), who leads, each member's distance to the place (named by its commune and NUTS code), then the totals.",
  })
  explanation!: string[];
}

@ObjectType({ description: "Teams that complete an offer, with how they were searched." })
export class ConsortiumSuggestions {
  @Field(() => [ConsortiumSuggestion], { description: "The teams, best first." })
  suggestions!: ConsortiumSuggestion[];

  @Field({ description: "True when the search was exhaustive over the candidates kept (up to 12 lots); false for the bounded search beyond." })
  exact!: boolean;

  @Field(() => [Lot], { description: "Lots no candidate can take." })
  uncoveredLots!: Lot[];

  @Field(() => [String], { description: "Notes on the search (candidates pruned, approximation)." })
  notes!: string[];
}
