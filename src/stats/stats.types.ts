import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { Channel } from "../tenders/tender.enums";

@ObjectType({ description: "Awarded amounts and commission of a set of won outcomes (won by a bid of the platform)." })
export class VolumeFigures {
  @Field(() => Int, { description: "How many won outcomes." })
  count!: number;

  @Field(() => Int, { description: "Sum of the awarded amounts, in euros excluding tax." })
  awardedAmount!: number;

  @Field(() => Int, { description: "Sum of the platform's commissions, in euros." })
  commission!: number;
}

@ObjectType({ description: "Figures of one channel." })
export class ChannelVolume extends VolumeFigures {
  @Field(() => Channel, { description: "The channel." })
  channel!: Channel;
}

@ObjectType({ description: "Figures of one region (of the place of performance)." })
export class RegionVolume extends VolumeFigures {
  @Field(() => String, { nullable: true, description: "INSEE region code; null for tenders without a French region." })
  regionCode!: string | null;

  @Field(() => String, { nullable: true, description: "Region name." })
  regionName!: string | null;
}

@ObjectType({ description: "Figures of one calendar month (UTC)." })
export class MonthVolume extends VolumeFigures {
  @Field({ description: "The month, `YYYY-MM`." })
  month!: string;
}

@ObjectType({ description: "Open opportunities: tenders and orders that accept bids now." })
export class Pipeline {
  @Field(() => Int, { description: "How many OPEN tenders and orders." })
  count!: number;

  @Field(() => Int, { description: "Sum of their estimated values in euros (those without a value count as 0)." })
  estimatedValue!: number;
}

export enum RevenueBase {
  AWARDED = "AWARDED",
  COMMISSION = "COMMISSION",
}

registerEnumType(RevenueBase, {
  name: "RevenueBase",
  description: "What the revenue target is measured on (REVENUE_TARGET_BASE).",
  valuesConfig: {
    AWARDED: { description: "The business won through the platform: amounts awarded to its bids and accepted offers (the default)." },
    COMMISSION: { description: "The platform's commission on those amounts." },
  },
});

@ObjectType({ description: "Progress against the revenue target, on the configured base." })
export class RevenueTarget {
  @Field(() => RevenueBase, { description: "What the target is measured on (REVENUE_TARGET_BASE; default AWARDED)." })
  base!: RevenueBase;

  @Field(() => Int, { description: "The target over `months` months, in euros (REVENUE_TARGET_EUR), on `base`." })
  amount!: number;

  @Field(() => Int, { description: "Months the target spans (REVENUE_TARGET_MONTHS)." })
  months!: number;

  @Field(() => Int, {
    description: "What was earned in the window on `base`, in euros: awarded amounts of won outcomes (AWARDED) or their commission (COMMISSION).",
  })
  earned!: number;

  @Field(() => Float, {
    description:
      "Progress = `earned` (WON outcomes awarded in [from, to), summed on `base`) divided by the target amount; 1 means the target is met (may exceed 1). The commission is always reported apart, in `total.commission`.",
  })
  progress!: number;
}

@ObjectType({ description: "The platform's business volume over a window: won outcomes by channel, region and month; pipeline; target." })
export class BusinessVolume {
  @Field(() => GraphQLDateTimeISO, { description: "Start of the window (inclusive)." })
  from!: Date;

  @Field(() => GraphQLDateTimeISO, { description: "End of the window (exclusive)." })
  to!: Date;

  @Field(() => Float, { description: "Commission rate configured now (COMMISSION_RATE); each outcome keeps the rate it was recorded with." })
  commissionRate!: number;

  @Field(() => VolumeFigures, { description: "All won outcomes awarded in the window." })
  total!: VolumeFigures;

  @Field(() => [ChannelVolume], { description: "By channel: direct orders, then tenders and calls for projects (both always listed)." })
  byChannel!: ChannelVolume[];

  @Field(() => [RegionVolume], { description: "By region of the place of performance, largest awarded amount first." })
  byRegion!: RegionVolume[];

  @Field(() => [MonthVolume], { description: "By month of award, oldest first; months without outcomes are listed with zeros." })
  byMonth!: MonthVolume[];

  @Field(() => Float, { description: "Share of the awarded amount won through tenders and calls for projects (0 to 1; 0 when nothing was won)." })
  tenderShare!: number;

  @Field(() => Pipeline, { description: "Open opportunities now (whatever the window)." })
  pipeline!: Pipeline;

  @Field(() => RevenueTarget, { description: "Progress against the revenue target." })
  target!: RevenueTarget;
}
