import { Migration } from '@mikro-orm/migrations';

/** Recreates `type` from `<type>_old` without `values`, keeping any value other migrations added. */
const without = (type: string, values: string[]) => `do $$ declare v text; begin
  select string_agg(quote_literal(e), ', ' order by n) into v
    from unnest(enum_range(null::"${type}_old")::text[]) with ordinality as t(e, n)
   where e not in (${values.map((x) => `'${x}'`).join(", ")});
  execute 'create type "${type}" as enum (' || v || ')';
end $$;`;

/**
 * A bid a mission officer composes on behalf of a cooperative starts PROPOSED, waiting for the
 * lead's answer; its log records the proposal and the answer (src/matching/completion.service.ts).
 * PostgreSQL cannot drop an enum value: `down` moves the rows off the new values, then rebuilds
 * both types without them.
 */
export class Migration20261206044035 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter type "bid_status" add value if not exists 'PROPOSED' before 'DRAFT';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'BID_PROPOSED' after 'BID_CREATED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'PROPOSAL_ACCEPTED' after 'BID_PROPOSED';`);
    this.addSql(`alter type "bid_event_type" add value if not exists 'PROPOSAL_DECLINED' after 'PROPOSAL_ACCEPTED';`);
  }

  override async down(): Promise<void> {
    this.addSql(`update "bids" set "status" = 'WITHDRAWN' where "status" = 'PROPOSED';`);
    this.addSql(`update "bid_events" set "type" = 'BID_CREATED' where "type" = 'BID_PROPOSED';`);
    this.addSql(`update "bid_events" set "type" = 'STATUS_CHANGED' where "type" in ('PROPOSAL_ACCEPTED', 'PROPOSAL_DECLINED');`);
    this.addSql(`alter type "bid_status" rename to "bid_status_old";`);
    this.addSql(without("bid_status", ["PROPOSED"]));
    this.addSql(`alter table "bids" alter column "status" drop default;`);
    this.addSql(`alter table "bids" alter column "status" type "bid_status" using "status"::text::"bid_status";`);
    this.addSql(`alter table "bids" alter column "status" set default 'DRAFT';`);
    this.addSql(`drop type "bid_status_old";`);
    this.addSql(`alter type "bid_event_type" rename to "bid_event_type_old";`);
    this.addSql(without("bid_event_type", ["BID_PROPOSED", "PROPOSAL_ACCEPTED", "PROPOSAL_DECLINED"]));
    this.addSql(`alter table "bid_events" alter column "type" type "bid_event_type" using "type"::text::"bid_event_type";`);
    this.addSql(`drop type "bid_event_type_old";`);
  }
}
