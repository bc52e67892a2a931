import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique, type Opt, type Ref } from "@mikro-orm/core";
import { Field, Int, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { Cooperative } from "../cooperatives/cooperative.entity";
import { Bid } from "../bids/bid.entity";
import { Tender } from "../tenders/tender.entity";
import { ConversationSubject, MessageAuthorSide } from "./conversation.enums";

/**
 * The stored head of a conversation, created with its first message. Its id is its subject's id
 * (the order's or the bid's), so the conversation has a global id before anyone writes in it.
 * `headSeq` numbers the messages without gaps, under the row's lock.
 */
@Entity({ tableName: "conversations" })
export class ConversationHead {
  @PrimaryKey({ type: "uuid" })
  id!: string;

  @Enum({ items: () => ConversationSubject, nativeEnumName: "conversation_subject" })
  subject!: ConversationSubject;

  @ManyToOne(() => Tender, { ref: true, deleteRule: "cascade" })
  @Index()
  tender!: Ref<Tender>;

  @ManyToOne(() => Bid, { ref: true, nullable: true, deleteRule: "cascade" })
  bid: Ref<Bid> | null = null;

  @Property({ type: "integer", default: 0 })
  headSeq: Opt<number> = 0;

  @Property({ type: "datetime", defaultRaw: "now()" })
  createdAt: Opt<Date> = new Date();
}

/**
 * A conversation as the graph shows it: made from its subject, whether or not a message exists
 * yet (no row is written by reading).
 */
@ObjectType({
  implements: Node,
  description: "The conversation of a direct order or of a bid: messages between its participants, with read markers per person.",
})
export class Conversation extends Node {
  @Field(() => ConversationSubject, { description: "What the conversation is about." })
  subject!: ConversationSubject;

  tenderId!: string;
  bidId!: string | null;
}

/** One message; `seq` orders a conversation's messages (gapless, from 1). */
@ObjectType({ implements: Node, description: "A message of a conversation." })
@Entity({ tableName: "conversation_messages" })
@Unique({ properties: ["conversation", "seq"] })
@Unique({ properties: ["conversation", "author", "clientMutationId"] })
export class ConversationMessage extends BaseEntity {
  @ManyToOne(() => ConversationHead, { ref: true, deleteRule: "cascade" })
  conversation!: Ref<ConversationHead>;

  @Field(() => Int, { description: "Position in the conversation (1, 2, 3...: no gaps); later messages have higher numbers." })
  @Property({ type: "integer" })
  seq!: number;

  @ManyToOne(() => User, { ref: true, nullable: true, deleteRule: "set null" })
  author: Ref<User> | null = null;

  @Field(() => MessageAuthorSide, { description: "On which side the author wrote." })
  @Enum({ items: () => MessageAuthorSide, nativeEnumName: "message_author_side" })
  authorSide!: MessageAuthorSide;

  @ManyToOne(() => Cooperative, { ref: true, nullable: true, deleteRule: "set null" })
  authorCooperative: Ref<Cooperative> | null = null;

  @Field({ description: "The text, as written (1 to 4,000 characters, line breaks kept)." })
  @Property({ type: "text" })
  body!: string;

  /** The author's retry key: the same key and body return this message again. */
  @Property({ type: "string", length: 100, nullable: true })
  clientMutationId: string | null = null;
}

/** How far a person has read a conversation. */
@Entity({ tableName: "conversation_reads" })
@Unique({ properties: ["conversation", "user"] })
export class ConversationRead extends BaseEntity {
  @ManyToOne(() => ConversationHead, { ref: true, deleteRule: "cascade" })
  conversation!: Ref<ConversationHead>;

  @ManyToOne(() => User, { ref: true, deleteRule: "cascade" })
  user!: Ref<User>;

  /** Seq of the last message read. */
  @Property({ type: "integer", default: 0 })
  lastReadSeq: Opt<number> = 0;

  @Property({ type: "datetime", defaultRaw: "now()" })
  lastReadAt: Opt<Date> = new Date();
}
