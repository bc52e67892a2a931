import { Entity, Index, ManyToOne, Property } from "@mikro-orm/core";
import { BaseEntity } from "../common/base.entity";
import { User } from "./user.entity";

/**
 * One signed-in session: every bearer token names its session (`sid`), so signing out revokes
 * the session and every token of it at once. Not in the schema: only the server reads it.
 */
@Entity({ tableName: "sessions" })
export class Session extends BaseEntity {
  @ManyToOne(() => User, { deleteRule: "cascade" })
  @Index()
  user!: User;

  /** Expiry of the newest token of the session (moved by each refresh). */
  @Property({ type: "datetime" })
  expiresAt!: Date;

  @Property({ type: "datetime", nullable: true })
  refreshedAt: Date | null = null;

  @Property({ type: "datetime", nullable: true })
  revokedAt: Date | null = null;

  /** Where the sign-in came from, for the person's own list of sessions. */
  @Property({ type: "string", length: 64, nullable: true })
  address: string | null = null;
}
