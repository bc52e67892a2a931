import { Migration } from '@mikro-orm/migrations';

/**
 * E-mail delivery of notifications: per-person preferences by kind (a row only where the person
 * chose other than the default, src/notifications/preferences.ts), and on each notification when
 * it went by mail (immediately or in a digest), so that nothing is mailed twice; on each tender
 * when its opportunities were notified (src/notifications/opportunities.ts).
 */
export class Migration20261206072000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "notification_delivery" as enum ('NONE', 'IMMEDIATE', 'DAILY_DIGEST');`);
    this.addSql(`create table "notification_preferences" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "kind" "notification_kind" not null, "delivery" "notification_delivery" not null, constraint "notification_preferences_pkey" primary key ("id"));`);
    this.addSql(`alter table "notification_preferences" add constraint "notification_preferences_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification_preferences" add constraint "notification_preferences_user_id_kind_unique" unique ("user_id", "kind");`);
    this.addSql(`alter table "notifications" add column "mailed_at" timestamptz null;`);
    this.addSql(`create index "notifications_unmailed_index" on "notifications" ("created_at") where "mailed_at" is null;`);
    // Tenders opened before this migration are not announced as opportunities again.
    this.addSql(`alter table "tenders" add column "opportunities_notified_at" timestamptz null;`);
    this.addSql(`update "tenders" set "opportunities_notified_at" = now() where "status" <> 'DRAFT';`);
    this.addSql(`create index "tenders_opportunities_pending_index" on "tenders" ("created_at") where "opportunities_notified_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenders" drop column if exists "opportunities_notified_at";`);
    this.addSql(`drop index if exists "notifications_unmailed_index";`);
    this.addSql(`alter table "notifications" drop column if exists "mailed_at";`);
    this.addSql(`drop table if exists "notification_preferences" cascade;`);
    this.addSql(`drop type if exists "notification_delivery";`);
  }
}
