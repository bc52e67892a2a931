import { Migration } from '@mikro-orm/migrations';

/**
 * Files (src/files/): the PostgreSQL storage's blobs and chunks, tender documents (uploaded files
 * and the notice's links) and bid attachments, each versioned by name and deleted by marking; two
 * bid event types for attachments.
 */
export class Migration20261206075000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "file_blobs" ("key" uuid not null, "created_at" timestamptz not null default now(), "size" int null, "sha256" varchar(64) null, "complete" boolean not null default false, constraint "file_blobs_pkey" primary key ("key"));`);
    this.addSql(`create table "file_chunks" ("blob_key" uuid not null, "n" int not null, "data" bytea not null, constraint "file_chunks_pkey" primary key ("blob_key", "n"));`);
    this.addSql(`alter table "file_chunks" add constraint "file_chunks_blob_key_foreign" foreign key ("blob_key") references "file_blobs" ("key") on update cascade on delete cascade;`);

    this.addSql(`create type "tender_document_kind" as enum ('FILE', 'LINK');`);
    this.addSql(`create type "attachment_category" as enum ('CERTIFICATE', 'REFERENCE', 'SIGNED_FORM', 'OTHER');`);
    const common = `"id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "file_name" varchar(255) not null, "name_key" varchar(300) not null, "version" int not null, "content_type" varchar(100) null, "size" int null, "sha256" varchar(64) null, "storage" varchar(16) null check ("storage" in ('postgres', 'disk')), "storage_key" varchar(100) null, "uploaded_by_id" uuid null, "deleted_at" timestamptz null, "deleted_by_id" uuid null, "previous_version_id" uuid null`;
    this.addSql(`create table "tender_documents" (${common}, "tender_id" uuid not null, "kind" "tender_document_kind" not null, "url" varchar(2000) null, "restricted" boolean null, constraint "tender_documents_pkey" primary key ("id"));`);
    this.addSql(`create table "bid_attachments" (${common}, "bid_id" uuid not null, "category" "attachment_category" not null, constraint "bid_attachments_pkey" primary key ("id"));`);
    for (const [table, subject, parent] of [["tender_documents", "tender_id", "tenders"], ["bid_attachments", "bid_id", "bids"]] as const) {
      this.addSql(`create index "${table}_${subject}_index" on "${table}" ("${subject}");`);
      this.addSql(`alter table "${table}" add constraint "${table}_${subject}_name_key_version_unique" unique ("${subject}", "name_key", "version");`);
      this.addSql(`alter table "${table}" add constraint "${table}_${subject}_foreign" foreign key ("${subject}") references "${parent}" ("id") on update cascade on delete cascade;`);
      this.addSql(`alter table "${table}" add constraint "${table}_uploaded_by_id_foreign" foreign key ("uploaded_by_id") references "users" ("id") on update cascade on delete set null;`);
      this.addSql(`alter table "${table}" add constraint "${table}_deleted_by_id_foreign" foreign key ("deleted_by_id") references "users" ("id") on update cascade on delete set null;`);
      this.addSql(`alter table "${table}" add constraint "${table}_previous_version_id_foreign" foreign key ("previous_version_id") references "${table}" ("id") on update cascade on delete set null;`);
    }

    this.addSql(`alter type "bid_event_type" add value if not exists 'ATTACHMENT_ADDED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'ATTACHMENT_DELETED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "bid_attachments" cascade;`);
    this.addSql(`drop table if exists "tender_documents" cascade;`);
    this.addSql(`drop type if exists "attachment_category";`);
    this.addSql(`drop type if exists "tender_document_kind";`);
    this.addSql(`drop table if exists "file_chunks" cascade;`);
    this.addSql(`drop table if exists "file_blobs" cascade;`);
    // PostgreSQL cannot drop an enum value: rebuild the type from the values others added, without ours.
    this.addSql(`delete from "bid_events" where "type"::text in ('ATTACHMENT_ADDED', 'ATTACHMENT_DELETED');`);
    this.addSql(`alter type "bid_event_type" rename to "bid_event_type_old";`);
    this.addSql(`do $$ declare labels text; begin
      select string_agg(quote_literal(enumlabel), ', ' order by enumsortorder) into labels from pg_enum
       where enumtypid = 'bid_event_type_old'::regtype and enumlabel not in ('ATTACHMENT_ADDED', 'ATTACHMENT_DELETED');
      execute 'create type "bid_event_type" as enum (' || labels || ')';
    end $$;`);
    this.addSql(`alter table "bid_events" alter column "type" type "bid_event_type" using ("type"::text::"bid_event_type");`);
    this.addSql(`drop type "bid_event_type_old";`);
  }
}
