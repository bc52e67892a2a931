import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 15, sections 1-2: a bid declares the lots it answers (`bid_lots`); the tender carries the
 * maximum number of lots awarded to one tenderer (BT-33) and whether the buyer forbids multiple
 * offers (BT-769); a section has a reviewer, a due date and an IN_REVIEW step; lots released when
 * a member leaves are logged as LOT_UNASSIGNED, a change of declared lots as LOTS_DECLARED.
 * New enum values are only added here, never used in the same transaction (migrations run in one).
 */
export class Migration20261206043500 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "bid_lots" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "lot_id" uuid not null, constraint "bid_lots_pkey" primary key ("id"));`);
    this.addSql(`alter table "bid_lots" add constraint "bid_lots_bid_id_lot_id_unique" unique ("bid_id", "lot_id");`);
    this.addSql(`create index "bid_lots_lot_id_index" on "bid_lots" ("lot_id");`);
    this.addSql(`alter table "bid_lots" add constraint "bid_lots_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_lots" add constraint "bid_lots_lot_id_foreign" foreign key ("lot_id") references "lots" ("id") on update cascade on delete cascade;`);
    // Bids made before lots were declared answered every lot of their tender.
    this.addSql(`insert into "bid_lots" ("id", "bid_id", "lot_id") select gen_random_uuid(), b.id, l.id from "bids" b join "lots" l on l.tender_id = b.tender_id;`);

    this.addSql(`alter table "tenders" add column "max_lots_awarded_per_tenderer" int null, add column "multiple_offers_forbidden" boolean null;`);

    this.addSql(`alter table "bid_sections" add column "reviewer_id" uuid null, add column "due_date" date null;`);
    this.addSql(`alter table "bid_sections" add constraint "bid_sections_reviewer_id_foreign" foreign key ("reviewer_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter type "section_status" add value if not exists 'IN_REVIEW' before 'DONE';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'LOTS_DECLARED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'LOT_UNASSIGNED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`update "bid_sections" set "status" = 'IN_PROGRESS' where "status"::text = 'IN_REVIEW';`);
    this.addSql(`alter type "section_status" rename to "section_status_old";`);
    this.addSql(`create type "section_status" as enum ('TODO', 'IN_PROGRESS', 'DONE');`);
    this.addSql(`alter table "bid_sections" alter column "status" drop default, alter column "status" type "section_status" using ("status"::text::"section_status"), alter column "status" set default 'TODO';`);
    this.addSql(`drop type "section_status_old";`);

    this.addSql(`delete from "bid_events" where "type"::text in ('LOTS_DECLARED', 'LOT_UNASSIGNED');`);
    this.addSql(`alter type "bid_event_type" rename to "bid_event_type_old";`);
    this.addSql(`create type "bid_event_type" as enum ('BID_CREATED', 'BID_UPDATED', 'STATUS_CHANGED', 'BID_SUBMITTED', 'MEMBER_INVITED', 'MEMBER_ACCEPTED', 'MEMBER_DECLINED', 'MEMBER_REMOVED', 'LOT_ASSIGNED', 'SECTION_ADDED', 'SECTION_UPDATED', 'SECTION_REMOVED', 'SECTION_TEXT_UPDATED', 'PRICE_LINE_ADDED', 'PRICE_LINE_UPDATED', 'PRICE_LINE_REMOVED');`);
    this.addSql(`alter table "bid_events" alter column "type" type "bid_event_type" using ("type"::text::"bid_event_type");`);
    this.addSql(`drop type "bid_event_type_old";`);

    this.addSql(`alter table "bid_sections" drop constraint "bid_sections_reviewer_id_foreign";`);
    this.addSql(`alter table "bid_sections" drop column "reviewer_id", drop column "due_date";`);
    this.addSql(`alter table "tenders" drop column "max_lots_awarded_per_tenderer", drop column "multiple_offers_forbidden";`);
    this.addSql(`drop table if exists "bid_lots" cascade;`);
  }

}
