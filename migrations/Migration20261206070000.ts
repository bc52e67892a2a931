import { Migration } from '@mikro-orm/migrations';

/**
 * Client organisations (src/clients/): the client of a direct order becomes an organisation whose
 * people all see its orders; `tenders.client_id` stays as the person who placed the order. Each
 * client of an existing order gets an organisation of their own (named after them, SIRET unknown),
 * with a key derived from their id so that the migration needs no mapping table. Offer answers
 * record what the client said to each submitted offer.
 */
export class Migration20261206070000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "client_organisations" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(300) not null, "siret" varchar(14) null, "address" varchar(300) null, "postcode" varchar(5) null, "city" varchar(200) null, "commune_code" varchar(5) null, "department_code" varchar(3) null, "region_code" varchar(2) null, "latitude" double precision null, "longitude" double precision null, "created_by_id" uuid null, constraint "client_organisations_pkey" primary key ("id"));`);
    this.addSql(`alter table "client_organisations" add constraint "client_organisations_siret_unique" unique ("siret");`);
    this.addSql(`alter table "client_organisations" add constraint "client_organisations_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);

    this.addSql(`alter table "users" add column "client_organisation_id" uuid null;`);
    this.addSql(`alter table "users" add constraint "users_client_organisation_id_foreign" foreign key ("client_organisation_id") references "client_organisations" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "users_client_organisation_id_index" on "users" ("client_organisation_id");`);

    this.addSql(`alter table "tenders" add column "client_organisation_id" uuid null;`);
    this.addSql(`alter table "tenders" add constraint "tenders_client_organisation_id_foreign" foreign key ("client_organisation_id") references "client_organisations" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "tenders_client_organisation_id_index" on "tenders" ("client_organisation_id");`);

    this.addSql(`create type "offer_answer_kind" as enum ('ACCEPTED', 'DECLINED', 'REVISION_REQUESTED');`);
    this.addSql(`create table "offer_answers" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "bid_id" uuid not null, "kind" "offer_answer_kind" not null, "note" text null, "answered_by_id" uuid null, "submitted_at" timestamptz not null, constraint "offer_answers_pkey" primary key ("id"));`);
    this.addSql(`alter table "offer_answers" add constraint "offer_answers_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "offer_answers" add constraint "offer_answers_answered_by_id_foreign" foreign key ("answered_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "offer_answers_bid_id_index" on "offer_answers" ("bid_id");`);

    this.addSql(`alter type "bid_event_type" add value if not exists 'OFFER_ACCEPTED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'OFFER_DECLINED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'REVISION_REQUESTED';`);

    // Every client of an existing order gets an organisation of their own, and their orders move to it.
    this.addSql(`insert into "client_organisations" ("id", "name", "created_by_id")
      select md5(u."id"::text || ':client-organisation')::uuid, left(u."name", 300), u."id" from "users" u
      where u."client_organisation_id" is null and exists (select 1 from "tenders" t where t."client_id" = u."id");`);
    this.addSql(`update "users" u set "client_organisation_id" = md5(u."id"::text || ':client-organisation')::uuid
      where u."client_organisation_id" is null and exists (select 1 from "tenders" t where t."client_id" = u."id");`);
    this.addSql(`update "tenders" t set "client_organisation_id" = u."client_organisation_id" from "users" u
      where u."id" = t."client_id" and t."client_organisation_id" is null;`);
  }

  override async down(): Promise<void> {
    // Enum values added to bid_event_type stay (PostgreSQL cannot drop them; nothing writes them any more).
    this.addSql(`drop table if exists "offer_answers" cascade;`);
    this.addSql(`drop type if exists "offer_answer_kind";`);
    this.addSql(`alter table "tenders" drop constraint if exists "tenders_client_organisation_id_foreign";`);
    this.addSql(`alter table "tenders" drop column if exists "client_organisation_id";`);
    this.addSql(`alter table "users" drop constraint if exists "users_client_organisation_id_foreign";`);
    this.addSql(`alter table "users" drop column if exists "client_organisation_id";`);
    this.addSql(`drop table if exists "client_organisations" cascade;`);
  }
}
