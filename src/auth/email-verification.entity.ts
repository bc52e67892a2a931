import { Entity, Index, ManyToOne, Property, Unique } from "@mikro-orm/core";
import { BaseEntity } from "../common/base.entity";
import { User } from "./user.entity";

/** A single-use e-mail verification token; only its SHA-256 hash is stored. */
@Entity({ tableName: "email_verifications" })
export class EmailVerification extends BaseEntity {
  @ManyToOne(() => User, { deleteRule: "cascade" })
  @Index()
  user!: User;

  @Property({ type: "string", length: 64 })
  @Unique()
  tokenHash!: string;

  @Property({ type: "datetime" })
  expiresAt!: Date;

  @Property({ type: "datetime", nullable: true })
  usedAt: Date | null = null;
}
