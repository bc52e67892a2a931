import { Embedded, Entity, Enum, Index, ManyToOne, Property, type Opt } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, Float, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Bid } from "../bids/bid.entity";
import { Place } from "../places/place.embeddable";
import { OfferAnswerKind } from "./client.enums";

@ObjectType({
  implements: Node,
  description: "A client company or body that places direct orders; its people (CLIENT accounts) all see its orders and answer their offers.",
})
@Entity({ tableName: "client_organisations" })
export class ClientOrganisation extends BaseEntity {
  @Field({ description: "Name of the organisation." })
  @Property({ type: "string", length: 300 })
  name!: string;

  /** Unique when known; organisations made from the clients of older orders have none yet. */
  @Field(() => String, {
    nullable: true,
    description: "SIRET (14 digits, SIREN and SIRET keys checked); null for an organisation created from an older order, until staff set it.",
  })
  @Property({ type: "string", length: 14, nullable: true, unique: true })
  siret: string | null = null;

  @Field(() => String, { nullable: true, description: "Street address." })
  @Property({ type: "string", length: 300, nullable: true })
  address: string | null = null;

  @Field(() => String, { nullable: true, description: "Postal code." })
  @Property({ type: "string", length: 5, nullable: true })
  postcode: string | null = null;

  @Field(() => Place, { description: "Where the organisation is: commune, department, region and point." })
  @Embedded(() => Place, { prefix: false })
  place: Opt<Place> = new Place();

  @Field(() => String, { nullable: true, description: "Commune, as `place.city`." })
  get city(): string | null {
    return this.place.city;
  }

  @Field(() => String, { nullable: true, description: "INSEE code of the commune, as `place.communeCode`." })
  get communeCode(): string | null {
    return this.place.communeCode;
  }

  @Field(() => String, { nullable: true, description: "Department code (INSEE), as `place.departmentCode`." })
  get departmentCode(): string | null {
    return this.place.departmentCode;
  }

  @Field(() => String, { nullable: true, description: "Region code (INSEE), as `place.regionCode`." })
  get regionCode(): string | null {
    return this.place.regionCode;
  }

  @Field(() => Float, { nullable: true, description: "Latitude (WGS 84), from the commune unless given, as `place.latitude`." })
  get latitude(): number | null {
    return this.place.latitude;
  }

  @Field(() => Float, { nullable: true, description: "Longitude (WGS 84), from the commune unless given, as `place.longitude`." })
  get longitude(): number | null {
    return this.place.longitude;
  }

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  createdBy: User | null = null;
}

@ObjectType({ description: "The client's answer to a submitted offer: accepted, declined (with a reason) or a revision asked (with a note)." })
@Entity({ tableName: "offer_answers" })
export class OfferAnswer extends BaseEntity {
  @ManyToOne(() => Bid, { deleteRule: "cascade" })
  @Index()
  bid!: Bid;

  @Field(() => OfferAnswerKind, { description: "What the client answered." })
  @Enum({ items: () => OfferAnswerKind, nativeEnumName: "offer_answer_kind" })
  kind!: OfferAnswerKind;

  @Field(() => String, { nullable: true, description: "The reason of a decline, or the note of a revision request; null for an acceptance." })
  @Property({ type: "text", nullable: true })
  note: string | null = null;

  @ManyToOne(() => User, { nullable: true, deleteRule: "set null" })
  answeredBy: User | null = null;

  @Field(() => GraphQLDateTimeISO, { description: "When the offer answered was submitted." })
  @Property({ type: "datetime" })
  submittedAt!: Date;
}
