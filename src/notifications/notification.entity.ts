import { Entity, Enum, Index, ManyToOne, Property, Unique, type Opt, type Ref } from "@mikro-orm/core";
import { GraphQLDateTimeISO } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { User } from "../auth/user.entity";
import { BaseEntity } from "../common/base.entity";
import { Node } from "../common/node";
import { NotificationKind } from "./notification.enums";

/**
 * One line of a person's inbox. Written in the transaction of what it reports (src/notifications/
 * notify.ts), so a rolled-back change notifies nobody. `dedupeKey` makes "once" hold across
 * retries and instances: a reminder or an alert is keyed by what it is about.
 */
@ObjectType("Notification", { implements: Node, description: "A line of a person's inbox: what happened, with a link to its subject." })
@Entity({ tableName: "notifications" })
@Index({ properties: ["recipient", "createdAt"] })
@Unique({ properties: ["recipient", "dedupeKey"] })
export class Notification extends BaseEntity {
  @ManyToOne(() => User, { ref: true, deleteRule: "cascade" })
  recipient!: Ref<User>;

  @Field(() => NotificationKind, { description: "What the notification is about." })
  @Enum({ items: () => NotificationKind, nativeEnumName: "notification_kind" })
  kind!: NotificationKind;

  @Field({ description: "A short text, in French, as shown in the inbox and the e-mail subject." })
  @Property({ type: "string", length: 500 })
  text!: string;

  @Field(() => ID, { nullable: true, description: "Global id of what it is about (a tender, a bid, a section, a conversation...), for `node(id:)`." })
  @Property({ type: "string", length: 200, nullable: true })
  subjectId: string | null = null;

  /** Unique per recipient when set: a second notice of the same thing is not written. */
  @Property({ type: "string", length: 300, nullable: true })
  dedupeKey: string | null = null;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: "When its recipient marked it read; null while unread." })
  @Property({ type: "datetime", nullable: true })
  readAt: Opt<Date> | null = null;

  /** When it went by e-mail (alone or in a digest); null while not mailed, or never to be. */
  @Property({ type: "datetime", nullable: true })
  mailedAt: Opt<Date> | null = null;
}
