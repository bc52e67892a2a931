import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-up hardening and e-mail delivery:
 * - `users.email_verified_at`: a new account proves its address before it may act; accounts that
 *   exist already (staff, demo, earlier sign-ups) are taken as verified.
 * - `email_verifications`: single-use verification tokens, stored as SHA-256 hashes.
 * - `cooperatives.status`: a cooperative registered by a member waits for an officer's check;
 *   existing rows are VERIFIED.
 * - `mail_outbox`: mails written in the transaction that causes them, delivered by src/mail/.
 */
export class Migration20261206033810 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table "users" add column "email_verified_at" timestamptz null;`);
    this.addSql(`update "users" set "email_verified_at" = "created_at";`);

    this.addSql(`create table "email_verifications" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, constraint "email_verifications_pkey" primary key ("id"));`);
    this.addSql(`alter table "email_verifications" add constraint "email_verifications_token_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "email_verifications_user_id_index" on "email_verifications" ("user_id");`);
    this.addSql(`alter table "email_verifications" add constraint "email_verifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create type "cooperative_status" as enum ('PENDING', 'VERIFIED');`);
    this.addSql(`alter table "cooperatives" add column "status" "cooperative_status" not null default 'VERIFIED', add column "verified_at" timestamptz null, add column "verified_by_id" uuid null;`);
    this.addSql(`update "cooperatives" set "verified_at" = "created_at";`);
    this.addSql(`alter table "cooperatives" add constraint "cooperatives_verified_by_id_foreign" foreign key ("verified_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`create index "cooperatives_status_index" on "cooperatives" ("status") where "status" = 'PENDING';`);

    this.addSql(`create type "mail_status" as enum ('PENDING', 'SENT', 'FAILED');`);
    this.addSql(`create table "mail_outbox" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "recipient" varchar(254) not null, "subject" varchar(300) not null, "text" text not null, "status" "mail_status" not null default 'PENDING', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "last_error" varchar(1000) null, "sent_at" timestamptz null, constraint "mail_outbox_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_outbox_due_index" on "mail_outbox" ("next_attempt_at") where "status" = 'PENDING';`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_outbox" cascade;`);
    this.addSql(`drop type if exists "mail_status";`);
    this.addSql(`alter table "cooperatives" drop constraint if exists "cooperatives_verified_by_id_foreign";`);
    this.addSql(`drop index if exists "cooperatives_status_index";`);
    this.addSql(`alter table "cooperatives" drop column "status", drop column "verified_at", drop column "verified_by_id";`);
    this.addSql(`drop type if exists "cooperative_status";`);
    this.addSql(`drop table if exists "email_verifications" cascade;`);
    this.addSql(`alter table "users" drop column "email_verified_at";`);
  }

}
