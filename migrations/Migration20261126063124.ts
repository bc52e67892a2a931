import { Migration } from '@mikro-orm/migrations';

/** Consortium bids: members, lot assignments, memo sections (Yjs snapshots), price lines and the per-bid event log. */
export class Migration20261126063124 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "bid_group_type" as enum ('CONJOINT', 'SOLIDAIRE', 'CONJOINT_WITH_SOLIDARY_LEAD');`);
    this.addSql(`create type "bid_status" as enum ('DRAFT', 'IN_REVIEW', 'SUBMITTED', 'WON', 'LOST', 'WITHDRAWN');`);
    this.addSql(`create type "section_status" as enum ('TODO', 'IN_PROGRESS', 'DONE');`);
    this.addSql(`create type "bid_member_role" as enum ('LEAD', 'MEMBER', 'SUBCONTRACTOR');`);
    this.addSql(`create type "bid_member_status" as enum ('INVITED', 'ACCEPTED', 'DECLINED', 'REMOVED');`);
    this.addSql(`create type "bid_event_type" as enum ('BID_CREATED', 'BID_UPDATED', 'STATUS_CHANGED', 'BID_SUBMITTED', 'MEMBER_INVITED', 'MEMBER_ACCEPTED', 'MEMBER_DECLINED', 'MEMBER_REMOVED', 'LOT_ASSIGNED', 'SECTION_ADDED', 'SECTION_UPDATED', 'SECTION_REMOVED', 'SECTION_TEXT_UPDATED', 'PRICE_LINE_ADDED', 'PRICE_LINE_UPDATED', 'PRICE_LINE_REMOVED');`);
    this.addSql(`create table "bids" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tender_id" uuid not null, "lead_id" uuid not null, "title" varchar(300) not null, "group_type" "bid_group_type" not null, "status" "bid_status" not null default 'DRAFT', "version" int not null default 1, "head_seq" int not null default 0, "created_by_id" uuid null, "submitted_at" timestamptz null, "snapshot" jsonb null, constraint "bids_pkey" primary key ("id"));`);
    this.addSql(`create index "bids_tender_id_index" on "bids" ("tender_id");`);
    this.addSql(`create index "bids_lead_id_index" on "bids" ("lead_id");`);
    this.addSql(`alter table "bids" add constraint "bids_one_lead_per_tender" unique ("tender_id", "lead_id");`);

    this.addSql(`create table "bid_sections" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "title" varchar(300) not null, "position" int not null, "assignee_id" uuid null, "status" "section_status" not null default 'TODO', "version" int not null default 1, "snapshot" bytea null, "snapshot_seq" int not null default 0, "pending_updates" int not null default 0, "snapshot_text" text not null default '', constraint "bid_sections_pkey" primary key ("id"));`);
    this.addSql(`create index "bid_sections_bid_id_position_index" on "bid_sections" ("bid_id", "position");`);

    this.addSql(`create table "bid_members" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "cooperative_id" uuid not null, "role" "bid_member_role" not null, "status" "bid_member_status" not null, "version" int not null default 1, "invited_by_id" uuid null, "answered_by_id" uuid null, "answered_at" timestamptz null, constraint "bid_members_pkey" primary key ("id"));`);
    this.addSql(`create index "bid_members_cooperative_id_index" on "bid_members" ("cooperative_id");`);
    this.addSql(`alter table "bid_members" add constraint "bid_members_bid_id_cooperative_id_unique" unique ("bid_id", "cooperative_id");`);

    this.addSql(`create table "bid_price_lines" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "lot_id" uuid not null, "member_id" uuid not null, "description" varchar(500) not null, "quantity" double precision not null, "unit_price_cents" int not null, "version" int not null default 1, constraint "bid_price_lines_pkey" primary key ("id"));`);
    this.addSql(`create index "bid_price_lines_bid_id_created_at_index" on "bid_price_lines" ("bid_id", "created_at");`);

    this.addSql(`create table "bid_lot_assignments" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "lot_id" uuid not null, "member_id" uuid null, "version" int not null default 1, constraint "bid_lot_assignments_pkey" primary key ("id"));`);
    this.addSql(`alter table "bid_lot_assignments" add constraint "bid_lot_assignments_bid_id_lot_id_unique" unique ("bid_id", "lot_id");`);

    this.addSql(`create table "bid_events" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "seq" int not null, "type" "bid_event_type" not null, "payload" jsonb not null, "actor_id" uuid null, "client_mutation_id" varchar(100) null, "section_id" uuid null, "result" varchar(100) null, constraint "bid_events_pkey" primary key ("id"));`);
    this.addSql(`create index "bid_events_actor_id_client_mutation_id_index" on "bid_events" ("actor_id", "client_mutation_id");`);
    this.addSql(`create index "bid_events_section_id_seq_index" on "bid_events" ("section_id", "seq");`);
    this.addSql(`alter table "bid_events" add constraint "bid_events_bid_id_client_mutation_id_unique" unique ("bid_id", "client_mutation_id");`);
    this.addSql(`alter table "bid_events" add constraint "bid_events_bid_id_seq_unique" unique ("bid_id", "seq");`);

    this.addSql(`alter table "bids" add constraint "bids_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bids" add constraint "bids_lead_id_foreign" foreign key ("lead_id") references "cooperatives" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bids" add constraint "bids_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "bid_sections" add constraint "bid_sections_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_sections" add constraint "bid_sections_assignee_id_foreign" foreign key ("assignee_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "bid_members" add constraint "bid_members_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_members" add constraint "bid_members_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_members" add constraint "bid_members_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "bid_members" add constraint "bid_members_answered_by_id_foreign" foreign key ("answered_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "bid_price_lines" add constraint "bid_price_lines_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_price_lines" add constraint "bid_price_lines_lot_id_foreign" foreign key ("lot_id") references "lots" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_price_lines" add constraint "bid_price_lines_member_id_foreign" foreign key ("member_id") references "bid_members" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "bid_lot_assignments" add constraint "bid_lot_assignments_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_lot_assignments" add constraint "bid_lot_assignments_lot_id_foreign" foreign key ("lot_id") references "lots" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_lot_assignments" add constraint "bid_lot_assignments_member_id_foreign" foreign key ("member_id") references "bid_members" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "bid_events" add constraint "bid_events_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "bid_events" add constraint "bid_events_actor_id_foreign" foreign key ("actor_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "bid_events" add constraint "bid_events_section_id_foreign" foreign key ("section_id") references "bid_sections" ("id") on update cascade on delete set null;`);

  }

  override async down(): Promise<void> {
    for (const table of ["bid_events", "bid_price_lines", "bid_lot_assignments", "bid_sections", "bid_members", "bids"]) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
    for (const type of ["bid_event_type", "bid_member_status", "bid_member_role", "section_status", "bid_status", "bid_group_type"]) {
      this.addSql(`drop type if exists "${type}";`);
    }
  }
}
