import { Migration } from '@mikro-orm/migrations';

/**
 * The directory's search ignores accents: a text search configuration `french_unaccent` (the
 * French one, with the `unaccent` dictionary before the stemmer), used by the generated search
 * vector and by the query (src/cooperatives/cooperative.directory.ts), so "video" finds "vidéo"
 * and "vidéo" finds "video". `unaccent` ships with PostgreSQL (contrib), the embedded binaries
 * included, and is a trusted extension: a database owner may create it.
 * Also where a cooperative's point comes from (`location_precision`, LocationPrecision).
 */
export class Migration20261206074000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create extension if not exists unaccent;`);
    this.addSql(`create text search configuration "french_unaccent" (copy = french);`);
    this.addSql(`alter text search configuration "french_unaccent" alter mapping for hword, hword_part, word with unaccent, french_stem;`);
    this.addSql(`alter table "cooperatives" drop column "search";`);
    this.addSql(`alter table "cooperatives" add column "search" tsvector generated always as (to_tsvector('french_unaccent'::regconfig, coalesce(name, '') || ' ' || coalesce(description, ''))) stored;`);
    this.addSql(`create index "cooperatives_search_index" on "cooperatives" using gin ("search");`);
    this.addSql(`alter table "cooperatives" add column "location_precision" varchar(16) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "cooperatives" drop column "location_precision";`);
    this.addSql(`alter table "cooperatives" drop column "search";`);
    this.addSql(`alter table "cooperatives" add column "search" tsvector generated always as (to_tsvector('french', coalesce(name, '') || ' ' || coalesce(description, ''))) stored;`);
    this.addSql(`create index "cooperatives_search_index" on "cooperatives" using gin ("search");`);
    this.addSql(`drop text search configuration if exists "french_unaccent";`);
  }
}
