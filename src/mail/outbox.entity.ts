import { Entity, Enum, Property, type Opt } from "@mikro-orm/core";
import { BaseEntity } from "../common/base.entity";

export enum MailStatus {
  PENDING = "PENDING",
  SENT = "SENT",
  FAILED = "FAILED",
}

/**
 * A mail to send, written in the same transaction as what causes it: a rolled-back sign-up sends
 * nothing, and a committed one is delivered even if the SMTP server is down at that moment.
 */
@Entity({ tableName: "mail_outbox" })
export class OutboxMail extends BaseEntity {
  @Property({ type: "string", length: 254 })
  recipient!: string;

  @Property({ type: "string", length: 300 })
  subject!: string;

  @Property({ type: "text" })
  text!: string;

  @Enum({ items: () => MailStatus, nativeEnumName: "mail_status" })
  status: Opt<MailStatus> = MailStatus.PENDING;

  @Property({ type: "integer", default: 0 })
  attempts: Opt<number> = 0;

  /** Also the lease: a sender that claims a mail moves this forward while it tries. */
  @Property({ type: "datetime", defaultRaw: "now()" })
  nextAttemptAt: Opt<Date> = new Date();

  @Property({ type: "string", length: 1000, nullable: true })
  lastError: string | null = null;

  @Property({ type: "datetime", nullable: true })
  sentAt: Date | null = null;
}
