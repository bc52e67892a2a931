import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, Int, ObjectType } from "type-graphql";

/* Values a tender or lot keeps as JSON: award criteria, and the awards a notice published. */

@ObjectType({ description: "An award criterion of a tender or lot." })
export class AwardCriterion {
  @Field({ description: "Name of the criterion, e.g. `Prix`, `Valeur technique`." })
  name!: string;

  @Field(() => Float, { nullable: true, description: "Weight, usually a percentage; null when the buyer gives none." })
  weight!: number | null;

  @Field(() => String, { nullable: true, description: "eForms type of the criterion: `price`, `cost` or `quality`." })
  type?: string | null;

  @Field(() => String, { nullable: true, description: "Details given by the buyer." })
  description?: string | null;
}

@ObjectType({ description: "The award of one lot, as published in a contract award notice." })
export class NoticeAward {
  @Field(() => String, { nullable: true, description: "eForms lot identifier, e.g. `LOT-0001`." })
  lotId!: string | null;

  @Field(() => Int, { nullable: true, description: "Number of the lot awarded." })
  lotNumber!: number | null;

  @Field(() => String, { nullable: true, description: "eForms result code: `selec-w` (winner chosen), `clos-nw` (closed, no winner), `open-nw`." })
  resultCode!: string | null;

  @Field(() => [String], { description: "Names of the winning organisations (several for a group)." })
  winners!: string[];

  @Field(() => Int, { nullable: true, description: "Value of the winning tender, in whole units of `currency`." })
  amount!: number | null;

  @Field(() => String, { nullable: true, description: "Currency of the amount (ISO 4217)." })
  currency!: string | null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When the winner was chosen." })
  awardDate!: Date | null;
}
