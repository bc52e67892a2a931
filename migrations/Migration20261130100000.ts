import { Migration } from '@mikro-orm/migrations';

/**
 * `bid_apply_section_update` answers with the notice it sent (in place of the `pending` column,
 * always null since 20261126120000), so that the instance that wrote an event hands it to its own
 * subscribers the moment the statement commits, without waiting for PostgreSQL to wake its
 * listening connection; the notification still reaches every instance, and a feed takes each seq
 * once (src/realtime/bid-feed.ts). A change of result columns needs the function dropped first.
 */
const body = (resultColumn: string, resultType: string, resultValue: string) => `
create function bid_apply_section_update(p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, ${resultColumn} ${resultType}, bid_status text) language plpgsql as $$
declare
  v_bid uuid;
  v_status bid_status;
  v_prior record;
  v_event bid_events;
  v_seq int;
  v_notice text;
begin
  select s.bid_id into v_bid from bid_sections s where s.id = p_section;
  if v_bid is null then
    return query select 'NOT_FOUND'::text, null::int, null::${resultType}, null::text;
    return;
  end if;
  select b.status into v_status from bids b where b.id = v_bid for update;
  if not exists (
    select 1 from bid_members bm join memberships m on m.cooperative_id = bm.cooperative_id
     where bm.bid_id = v_bid and m.user_id = p_user and bm.status in ('INVITED', 'ACCEPTED')
  ) then
    return query select 'NOT_MEMBER'::text, null::int, null::${resultType}, v_status::text;
    return;
  end if;
  if p_cmid is not null then
    select e.seq, e.actor_id into v_prior from bid_events e where e.bid_id = v_bid and e.client_mutation_id = p_cmid;
    if found then
      return query select (case when v_prior.actor_id = p_user then 'REPLAY' else 'CMID_TAKEN' end)::text, v_prior.seq::int, null::${resultType}, v_status::text;
      return;
    end if;
  end if;
  if v_status not in ('DRAFT', 'IN_REVIEW') then
    return query select 'FROZEN'::text, null::int, null::${resultType}, v_status::text;
    return;
  end if;
  -- Removed meanwhile (removal takes the bid's lock too, so this answer holds until commit).
  if not exists (select 1 from bid_sections s where s.id = p_section) then
    return query select 'NOT_FOUND'::text, null::int, null::${resultType}, v_status::text;
    return;
  end if;
  update bids set head_seq = head_seq + 1, updated_at = now() where id = v_bid returning head_seq into v_seq;
  insert into bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id)
  values (gen_random_uuid(), v_bid, v_seq, 'SECTION_TEXT_UPDATED', p_payload, p_user, p_cmid, 'BidSection:' || p_section::text, p_section)
  returning * into v_event;
  v_notice := bid_event_notice(row_to_json(v_event));
  perform pg_notify('bid_' || replace(v_bid::text, '-', ''), v_notice);
  return query select 'OK'::text, v_seq, ${resultValue}, v_status::text;
end;
$$;`;

export class Migration20261130100000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(body('notice', 'text', 'v_notice'));
  }

  override async down(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(body('pending', 'int', 'null::int'));
  }

}
