import { Migration } from '@mikro-orm/migrations';

export class Migration20261126061907 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "tender_kind" as enum ('PUBLIC_TENDER', 'CALL_FOR_PROJECTS', 'DIRECT_ORDER');`);
    this.addSql(`create type "tender_status" as enum ('DRAFT', 'OPEN', 'CLOSED', 'AWARDED', 'CANCELLED');`);
    this.addSql(`create type "tender_source" as enum ('MANUAL', 'EFORMS');`);
    this.addSql(`create type "invitation_answer" as enum ('INVITED', 'INTERESTED', 'DECLINED');`);
    this.addSql(`create type "outcome_result" as enum ('WON', 'LOST');`);
    this.addSql(`create table "tenders" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "kind" "tender_kind" not null, "status" "tender_status" not null default 'DRAFT', "source" "tender_source" not null default 'MANUAL', "external_notice_id" varchar(64) null, "notice_version" varchar(8) null, "contract_folder_id" varchar(64) null, "procedure_type" varchar(32) null, "buyer_name" varchar(300) not null, "client_id" uuid null, "created_by_id" uuid null, "assigned_officer_id" uuid null, "title" varchar(500) not null, "description" text null, "nuts_code" varchar(5) null, "country_code" varchar(3) null, "city" varchar(200) null, "commune_code" varchar(5) null, "department_code" varchar(3) null, "region_code" varchar(2) null, "latitude" double precision null, "longitude" double precision null, "place_description" text null, "estimated_value" int null, "currency" varchar(3) not null default 'EUR', "published_at" timestamptz null, "submission_deadline" timestamptz null, "award_criteria" jsonb not null default '[]', "max_lots_per_tenderer" int null, "group_legal_form_required" boolean null, "group_legal_form" text null, "bid_alone_and_in_group_allowed" boolean null, "cpv_codes" text[] not null default '{}', "cpv_prefixes" text[] not null default '{}', "notice_awards" jsonb not null default '[]', "notice_awarded_value" int null, "search" tsvector generated always as (to_tsvector('french', coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(buyer_name, ''))) stored, constraint "tenders_pkey" primary key ("id"));`);
    this.addSql(`create index "tenders_kind_index" on "tenders" ("kind");`);
    this.addSql(`create index "tenders_status_index" on "tenders" ("status");`);
    this.addSql(`create index "tenders_external_notice_id_index" on "tenders" ("external_notice_id");`);
    this.addSql(`create index "tenders_client_id_index" on "tenders" ("client_id");`);
    this.addSql(`create index "tenders_assigned_officer_id_index" on "tenders" ("assigned_officer_id");`);
    this.addSql(`create index "tenders_department_code_index" on "tenders" ("department_code");`);
    this.addSql(`create index "tenders_region_code_index" on "tenders" ("region_code");`);
    this.addSql(`create index "tenders_estimated_value_index" on "tenders" ("estimated_value");`);
    this.addSql(`create index "tenders_cpv_prefixes_index" on "tenders" using gin ("cpv_prefixes");`);
    this.addSql(`create index "tenders_search_index" on "tenders" using gin ("search");`);
    this.addSql(`create index "tenders_published_at_id_index" on "tenders" ("published_at", "id");`);
    this.addSql(`create index "tenders_submission_deadline_id_index" on "tenders" ("submission_deadline", "id");`);
    this.addSql(`alter table "tenders" add constraint "tenders_source_contract_folder_id_unique" unique ("source", "contract_folder_id");`);

    this.addSql(`create table "tender_notices" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tender_id" uuid not null, "notice_id" varchar(64) not null, "version" varchar(8) not null, "notice_kind" varchar(32) not null, "notice_type" varchar(64) null, constraint "tender_notices_pkey" primary key ("id"));`);
    this.addSql(`create index "tender_notices_tender_id_index" on "tender_notices" ("tender_id");`);
    this.addSql(`alter table "tender_notices" add constraint "tender_notices_notice_id_version_unique" unique ("notice_id", "version");`);

    this.addSql(`create table "lots" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tender_id" uuid not null, "number" int not null, "external_id" varchar(16) null, "title" varchar(500) not null, "description" text null, "cpv_codes" text[] not null default '{}', "cpv_prefixes" text[] not null default '{}', "estimated_value" int null, "award_criteria" jsonb not null default '[]', constraint "lots_pkey" primary key ("id"));`);
    this.addSql(`create index "lots_cpv_prefixes_index" on "lots" using gin ("cpv_prefixes");`);
    this.addSql(`alter table "lots" add constraint "lots_tender_id_number_unique" unique ("tender_id", "number");`);

    this.addSql(`create table "shortlist_entries" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tender_id" uuid not null, "cooperative_id" uuid not null, "note" text null, "answer" "invitation_answer" not null default 'INVITED', "invited_by_id" uuid null, "answered_by_id" uuid null, "answered_at" timestamptz null, constraint "shortlist_entries_pkey" primary key ("id"));`);
    this.addSql(`create index "shortlist_entries_cooperative_id_index" on "shortlist_entries" ("cooperative_id");`);
    this.addSql(`alter table "shortlist_entries" add constraint "shortlist_entries_tender_id_cooperative_id_unique" unique ("tender_id", "cooperative_id");`);

    this.addSql(`create table "outcomes" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "tender_id" uuid not null, "result" "outcome_result" not null, "winner_ids" text[] not null default '{}', "consortium_name" varchar(300) null, "awarded_amount" int not null, "commission" int not null, "commission_rate" double precision not null, "awarded_at" timestamptz not null, "recorded_by_id" uuid null, constraint "outcomes_pkey" primary key ("id"));`);
    this.addSql(`alter table "outcomes" add constraint "outcomes_tender_id_unique" unique ("tender_id");`);
    this.addSql(`create index "outcomes_awarded_at_index" on "outcomes" ("awarded_at");`);

    this.addSql(`alter table "tenders" add constraint "tenders_client_id_foreign" foreign key ("client_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "tenders" add constraint "tenders_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "tenders" add constraint "tenders_assigned_officer_id_foreign" foreign key ("assigned_officer_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "tender_notices" add constraint "tender_notices_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "lots" add constraint "lots_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "shortlist_entries" add constraint "shortlist_entries_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "shortlist_entries" add constraint "shortlist_entries_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "shortlist_entries" add constraint "shortlist_entries_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "shortlist_entries" add constraint "shortlist_entries_answered_by_id_foreign" foreign key ("answered_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "outcomes" add constraint "outcomes_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "outcomes" add constraint "outcomes_recorded_by_id_foreign" foreign key ("recorded_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tender_notices" drop constraint "tender_notices_tender_id_foreign";`);

    this.addSql(`alter table "lots" drop constraint "lots_tender_id_foreign";`);

    this.addSql(`alter table "shortlist_entries" drop constraint "shortlist_entries_tender_id_foreign";`);

    this.addSql(`alter table "outcomes" drop constraint "outcomes_tender_id_foreign";`);

    this.addSql(`drop table if exists "tenders" cascade;`);

    this.addSql(`drop table if exists "tender_notices" cascade;`);

    this.addSql(`drop table if exists "lots" cascade;`);

    this.addSql(`drop table if exists "shortlist_entries" cascade;`);

    this.addSql(`drop table if exists "outcomes" cascade;`);


    this.addSql(`drop type "tender_kind";`);
    this.addSql(`drop type "tender_status";`);
    this.addSql(`drop type "tender_source";`);
    this.addSql(`drop type "invitation_answer";`);
    this.addSql(`drop type "outcome_result";`);
  }

}
