import { Migration } from '@mikro-orm/migrations';

/**
 * Per-person inboxes (src/notifications/): one row per notification and recipient, written in the
 * transaction of what it reports; `dedupe_key` keeps reminders and alerts to one per person.
 */
export class Migration20261206061500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "notification_kind" as enum ('NEW_DIRECT_ORDER', 'OPPORTUNITY', 'SHORTLIST_INVITATION', 'BID_INVITATION', 'OFFER_PROPOSED', 'SECTION_ASSIGNED', 'SECTION_REVIEW_REQUESTED', 'NEW_MESSAGE', 'OFFER_SUBMITTED', 'OFFER_ACCEPTED', 'OFFER_DECLINED', 'REVISION_REQUESTED', 'AWARD', 'DEADLINE_REMINDER', 'SAVED_SEARCH_MATCH');`);
    this.addSql(`create table "notifications" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "recipient_id" uuid not null, "kind" "notification_kind" not null, "text" varchar(500) not null, "subject_id" varchar(200) null, "dedupe_key" varchar(300) null, "read_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));`);
    this.addSql(`alter table "notifications" add constraint "notifications_recipient_id_foreign" foreign key ("recipient_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`create index "notifications_recipient_id_created_at_index" on "notifications" ("recipient_id", "created_at");`);
    this.addSql(`alter table "notifications" add constraint "notifications_recipient_id_dedupe_key_unique" unique ("recipient_id", "dedupe_key");`);
    this.addSql(`create index "notifications_unread_index" on "notifications" ("recipient_id") where "read_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications" cascade;`);
    this.addSql(`drop type if exists "notification_kind";`);
  }
}
