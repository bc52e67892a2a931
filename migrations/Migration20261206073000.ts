import { Migration } from '@mikro-orm/migrations';

/**
 * Saved searches (src/alerts/): a person's alert criteria, the hash of its feed's secret, and
 * `search_fold`, the one definition of "ignoring accents and case" the alert matching uses (no
 * `unaccent` extension: it needs a privilege the external database may not grant, and it is not
 * immutable).
 */
export class Migration20261206073000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function "search_fold"(input text) returns text language sql immutable parallel safe as $$
      select btrim(regexp_replace(lower(replace(replace(replace(replace(translate(coalesce(input, ''),
        'ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ',
        'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy'),
        'Œ', 'oe'), 'œ', 'oe'), 'Æ', 'ae'), 'æ', 'ae')), '[^a-z0-9]+', ' ', 'g'))
    $$;`);
    this.addSql(`create table "saved_searches" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "owner_id" uuid not null, "name" varchar(200) not null,
      "cpv_codes" text[] not null default '{}', "cpv_prefixes" text[] not null default '{}',
      "department_codes" text[] not null default '{}', "region_codes" text[] not null default '{}',
      "near_commune_code" varchar(5) null, "near_commune_name" varchar(200) null, "near_latitude" double precision null, "near_longitude" double precision null, "near_radius_km" double precision null,
      "keywords" text[] not null default '{}', "kinds" text[] not null default '{}', "min_value" int null,
      "delivery" varchar(32) not null default 'INBOX',
      "feed_secret_hash" varchar(64) null, "feed_created_at" timestamptz null,
      constraint "saved_searches_pkey" primary key ("id"),
      constraint "saved_searches_delivery_check" check ("delivery" in ('INBOX', 'INBOX_AND_EMAIL')),
      constraint "saved_searches_near_check" check (("near_latitude" is null) = ("near_radius_km" is null)));`);
    this.addSql(`alter table "saved_searches" add constraint "saved_searches_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "saved_searches_owner_id_created_at_index" on "saved_searches" ("owner_id", "created_at");`);
    this.addSql(`alter table "saved_searches" add constraint "saved_searches_feed_secret_hash_unique" unique ("feed_secret_hash");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "saved_searches" cascade;`);
    this.addSql(`drop function if exists "search_fold"(text);`);
  }
}
