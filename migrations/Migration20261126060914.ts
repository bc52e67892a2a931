import { Migration } from '@mikro-orm/migrations';

/** Accounts, API tokens and the cooperative directory. */
export class Migration20261126060914 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "legal_form" as enum ('SCOP_SA', 'SCOP_SARL', 'SCOP_SAS', 'SCIC_SA', 'SCIC_SARL', 'SCIC_SAS', 'CAE');`);
    this.addSql(`create type "platform_role" as enum ('ADMIN', 'MISSION_OFFICER', 'MEMBER', 'CLIENT');`);
    this.addSql(`create type "member_role" as enum ('OWNER', 'MEMBER');`);
    this.addSql(`create type "api_scope" as enum ('READ', 'IMPORT_NOTICES');`);
    this.addSql(`create table "cooperatives" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(200) not null, "legal_form" "legal_form" not null, "siret" varchar(14) not null, "naf_code" varchar(6) null, "description" text null, "website" varchar(500) null, "address" varchar(300) null, "postcode" varchar(5) null, "city" varchar(200) null, "commune_code" varchar(5) null, "department_code" varchar(3) null, "region_code" varchar(2) null, "latitude" double precision null, "longitude" double precision null, "headcount" int null, "annual_revenue" int null, "cpv_prefixes" text[] not null default '{}', "search" tsvector generated always as (to_tsvector('french', coalesce(name, '') || ' ' || coalesce(description, ''))) stored, constraint "cooperatives_pkey" primary key ("id"));`);
    this.addSql(`alter table "cooperatives" add constraint "cooperatives_siret_unique" unique ("siret");`);
    this.addSql(`create index "cooperatives_department_code_index" on "cooperatives" ("department_code");`);
    this.addSql(`create index "cooperatives_region_code_index" on "cooperatives" ("region_code");`);
    this.addSql(`create index "cooperatives_cpv_prefixes_index" on "cooperatives" using gin ("cpv_prefixes");`);
    this.addSql(`create index "cooperatives_search_index" on "cooperatives" using gin ("search");`);
    this.addSql(`create index "cooperatives_name_id_index" on "cooperatives" ("name", "id");`);
    this.addSql(`create index "cooperatives_latitude_longitude_index" on "cooperatives" ("latitude", "longitude");`);

    this.addSql(`create table "cooperative_references" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cooperative_id" uuid not null, "title" varchar(300) not null, "client" varchar(200) not null, "cpv" varchar(8) not null, "year" smallint not null, "amount" int null, "description" text null, constraint "cooperative_references_pkey" primary key ("id"));`);
    this.addSql(`create index "cooperative_references_cooperative_id_index" on "cooperative_references" ("cooperative_id");`);

    this.addSql(`create table "cooperative_skills" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cooperative_id" uuid not null, "cpv" varchar(8) not null, "level" smallint not null, constraint "cooperative_skills_pkey" primary key ("id"));`);
    this.addSql(`alter table "cooperative_skills" add constraint "cooperative_skills_cooperative_id_cpv_unique" unique ("cooperative_id", "cpv");`);

    this.addSql(`create table "users" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "email" varchar(254) not null, "name" varchar(200) not null, "password_hash" varchar(300) not null, "role" "platform_role" not null default 'MEMBER', "token_version" int not null default 0, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`create index "users_role_index" on "users" ("role");`);

    this.addSql(`create table "memberships" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cooperative_id" uuid not null, "user_id" uuid not null, "role" "member_role" not null default 'MEMBER', constraint "memberships_pkey" primary key ("id"));`);
    this.addSql(`create index "memberships_user_id_index" on "memberships" ("user_id");`);
    this.addSql(`alter table "memberships" add constraint "memberships_cooperative_id_user_id_unique" unique ("cooperative_id", "user_id");`);

    this.addSql(`create table "api_tokens" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(200) not null, "secret_hash" varchar(64) not null, "prefix" varchar(16) not null, "scopes" "api_scope"[] not null, "created_by_id" uuid not null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, constraint "api_tokens_pkey" primary key ("id"));`);
    this.addSql(`alter table "api_tokens" add constraint "api_tokens_secret_hash_unique" unique ("secret_hash");`);

    this.addSql(`alter table "cooperative_references" add constraint "cooperative_references_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cooperative_skills" add constraint "cooperative_skills_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "memberships" add constraint "memberships_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "memberships" add constraint "memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "api_tokens" add constraint "api_tokens_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete cascade;`);
  }

}
