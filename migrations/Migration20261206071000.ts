import { Migration } from '@mikro-orm/migrations';

/**
 * Conversations (src/conversations/): one per direct order and one per bid, its row made with its
 * first message (its id is its subject's id); messages numbered per conversation; read markers
 * per person.
 */
export class Migration20261206071000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "conversation_subject" as enum ('DIRECT_ORDER', 'BID');`);
    this.addSql(`create type "message_author_side" as enum ('CLIENT', 'STAFF', 'COOPERATIVE');`);
    this.addSql(`create table "conversations" ("id" uuid not null, "subject" "conversation_subject" not null, "tender_id" uuid not null, "bid_id" uuid null, "head_seq" int not null default 0, "created_at" timestamptz not null default now(), constraint "conversations_pkey" primary key ("id"), constraint "conversations_subject_check" check (("subject" = 'BID') = ("bid_id" is not null)));`);
    this.addSql(`create index "conversations_tender_id_index" on "conversations" ("tender_id");`);
    this.addSql(`alter table "conversations" add constraint "conversations_tender_id_foreign" foreign key ("tender_id") references "tenders" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversations" add constraint "conversations_bid_id_foreign" foreign key ("bid_id") references "bids" ("id") on update cascade on delete cascade;`);

    this.addSql(`create table "conversation_messages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "conversation_id" uuid not null, "seq" int not null, "author_id" uuid null, "author_side" "message_author_side" not null, "author_cooperative_id" uuid null, "body" text not null, "client_mutation_id" varchar(100) null, constraint "conversation_messages_pkey" primary key ("id"));`);
    this.addSql(`alter table "conversation_messages" add constraint "conversation_messages_conversation_id_seq_unique" unique ("conversation_id", "seq");`);
    this.addSql(`alter table "conversation_messages" add constraint "conversation_messages_conversation_id_author_id_client_mutation_id_unique" unique ("conversation_id", "author_id", "client_mutation_id");`);
    this.addSql(`alter table "conversation_messages" add constraint "conversation_messages_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversation_messages" add constraint "conversation_messages_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conversation_messages" add constraint "conversation_messages_author_cooperative_id_foreign" foreign key ("author_cooperative_id") references "cooperatives" ("id") on update cascade on delete set null;`);

    this.addSql(`create table "conversation_reads" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "conversation_id" uuid not null, "user_id" uuid not null, "last_read_seq" int not null default 0, "last_read_at" timestamptz not null default now(), constraint "conversation_reads_pkey" primary key ("id"));`);
    this.addSql(`alter table "conversation_reads" add constraint "conversation_reads_conversation_id_user_id_unique" unique ("conversation_id", "user_id");`);
    this.addSql(`alter table "conversation_reads" add constraint "conversation_reads_conversation_id_foreign" foreign key ("conversation_id") references "conversations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conversation_reads" add constraint "conversation_reads_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conversation_reads" cascade;`);
    this.addSql(`drop table if exists "conversation_messages" cascade;`);
    this.addSql(`drop table if exists "conversations" cascade;`);
    this.addSql(`drop type if exists "message_author_side";`);
    this.addSql(`drop type if exists "conversation_subject";`);
  }
}
