import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions and membership invitations.
 * - `sessions`: one row per sign-in; a bearer token names its session (`sid`), and
 *   src/auth/auth.service.ts `resolveViewer` refuses a token whose session is missing or revoked
 *   (one join with `users` on the primary key, per request).
 * - `cooperative_invitations`: a person joins a cooperative only by accepting an invitation sent
 *   to their e-mail; at most one PENDING invitation per cooperative and e-mail.
 */
export class Migration20261206033813 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "sessions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "expires_at" timestamptz not null, "refreshed_at" timestamptz null, "revoked_at" timestamptz null, "address" varchar(64) null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`create type "cooperative_invitation_status" as enum ('PENDING', 'ACCEPTED', 'DECLINED', 'REVOKED');`);
    this.addSql(`create table "cooperative_invitations" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "cooperative_id" uuid not null, "email" varchar(254) not null, "role" "member_role" not null default 'MEMBER', "invited_by_id" uuid null, "status" "cooperative_invitation_status" not null default 'PENDING', "expires_at" timestamptz not null, "answered_at" timestamptz null, constraint "cooperative_invitations_pkey" primary key ("id"));`);
    this.addSql(`create index "cooperative_invitations_email_index" on "cooperative_invitations" ("email");`);
    this.addSql(`create index "cooperative_invitations_cooperative_id_index" on "cooperative_invitations" ("cooperative_id");`);
    this.addSql(`create unique index "cooperative_invitations_one_pending" on "cooperative_invitations" ("cooperative_id", "email") where "status" = 'PENDING';`);
    this.addSql(`alter table "cooperative_invitations" add constraint "cooperative_invitations_cooperative_id_foreign" foreign key ("cooperative_id") references "cooperatives" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cooperative_invitations" add constraint "cooperative_invitations_invited_by_id_foreign" foreign key ("invited_by_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "cooperative_invitations" cascade;`);
    this.addSql(`drop type if exists "cooperative_invitation_status";`);
    this.addSql(`drop table if exists "sessions" cascade;`);
  }

}
