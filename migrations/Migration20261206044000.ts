import { Migration } from '@mikro-orm/migrations';

/**
 * One outcome per awarded lot (issue 15): an outcome names its lot (null for a tender without
 * lots), its source, the winning bid of the platform or an outside winner (name, SIRET). The
 * existing outcomes (one per tender) stay as they are: no lot, source MANUAL. Bid results are
 * written to the bids' logs with two new event types.
 */
export class Migration20261206044000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "outcome_source" as enum ('MANUAL', 'AWARD_NOTICE', 'CLIENT_ACCEPTANCE');`);
    this.addSql(`alter table "outcomes"
      add column "lot_id" uuid null,
      add column "bid_id" uuid null,
      add column "source" "outcome_source" not null default 'MANUAL',
      add column "winner_name" varchar(500) null,
      add column "winner_siret" varchar(14) null;`);
    this.addSql(`alter table "outcomes" add constraint "outcomes_lot_id_foreign" foreign key ("lot_id") references "lots" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "outcomes" add constraint "outcomes_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "outcomes" drop constraint "outcomes_tender_id_unique";`);
    // One outcome per lot, and one for a tender without lots (a null lot counts once).
    this.addSql(`create unique index "outcomes_tender_lot_unique" on "outcomes" ("tender_id", "lot_id") nulls not distinct;`);
    this.addSql(`create index "outcomes_bid_id_index" on "outcomes" ("bid_id");`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'LOT_RESULT_RECORDED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'GROUP_FORM_CHANGE_REQUESTED';`);
  }

  override async down(): Promise<void> {
    // PostgreSQL cannot drop an enum value: the two event types stay, their events go.
    this.addSql(`delete from "bid_events" where "type"::text in ('LOT_RESULT_RECORDED', 'GROUP_FORM_CHANGE_REQUESTED');`);
    // Back to one outcome per tender: the latest one is kept.
    this.addSql(`delete from "outcomes" where "id" not in (select distinct on ("tender_id") "id" from "outcomes" order by "tender_id", "awarded_at" desc, "created_at" desc);`);
    this.addSql(`drop index "outcomes_bid_id_index";`);
    this.addSql(`drop index "outcomes_tender_lot_unique";`);
    this.addSql(`alter table "outcomes" add constraint "outcomes_tender_id_unique" unique ("tender_id");`);
    this.addSql(`alter table "outcomes" drop constraint "outcomes_bid_id_foreign", drop constraint "outcomes_lot_id_foreign";`);
    this.addSql(`alter table "outcomes" drop column "winner_siret", drop column "winner_name", drop column "source", drop column "bid_id", drop column "lot_id";`);
    this.addSql(`drop type "outcome_source";`);
  }
}
