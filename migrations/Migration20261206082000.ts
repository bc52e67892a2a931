import { Migration } from '@mikro-orm/migrations';

/**
 * Limits shared by every instance (src/auth/rate-limit.ts, src/auth/socket-slots.ts):
 * - `rate_limits`: fixed-window counters per hashed key. UNLOGGED: a crash may forget a window of
 *   counts, which only resets limits; in exchange a hit writes no WAL.
 * - `socket_slots`: open WebSockets per address and per instance; an instance's rows count while
 *   its slot connection (application_name `scopgraph-sockets:<instance>`) is open, so the sockets of
 *   a crashed instance stop counting with its connection.
 */
export class Migration20261206082000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create unlogged table "rate_limits" ("key" varchar(64) not null, "count" int not null, "reset_at" timestamptz not null, constraint "rate_limits_pkey" primary key ("key"));`);
    this.addSql(`create index "rate_limits_reset_at_index" on "rate_limits" ("reset_at");`);
    this.addSql(`create unlogged table "socket_slots" ("instance_id" uuid not null, "address" varchar(64) not null, "count" int not null, constraint "socket_slots_pkey" primary key ("address", "instance_id"));`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "socket_slots";`);
    this.addSql(`drop table if exists "rate_limits";`);
  }
}
