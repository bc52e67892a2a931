import { Migration } from '@mikro-orm/migrations';

/**
 * One definition of each rule of the live path, used by the TypeScript queries and by the SQL
 * functions alike (test/bids/sql-rules.test.ts fails when a copy reappears or the two disagree):
 * - active member: the view `bid_active_memberships` (a person's invited or accepted
 *   cooperatives in a bid; while PROPOSED, the lead's only): src/bids/bid.access.ts reads it;
 * - section writer: `bid_section_writable` (the lead's people write every section, another
 *   member's people those assigned to one of their people);
 * - freeze: `bid_content_open` (content changes until submission; src/bids/bid.lifecycle.ts);
 * - append: `bid_append_event` (gapless seq from the bid's head, insert, notify at commit);
 *   src/bids/live/event-log.ts calls it;
 * - replay: `bid_replay_outcome` (a clientMutationId used again: the same request is a REPLAY,
 *   another person's a CMID_TAKEN, another payload a CMID_CONFLICT); src/bids/bid.tx.ts calls it.
 * Text updates now keep a request hash (md5 of the payload), so their replays follow that rule.
 */
/** The function as migration 20261206053000 left it (for down). */
const previous = `
create function bid_apply_section_update(p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language plpgsql as $$
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
    return query select 'NOT_FOUND'::text, null::int, null::text, null::text;
    return;
  end if;
  select b.status into v_status from bids b where b.id = v_bid for update;
  if not exists (
    select 1 from bid_members bm join memberships m on m.cooperative_id = bm.cooperative_id
     where bm.bid_id = v_bid and m.user_id = p_user and bm.status in ('INVITED', 'ACCEPTED')
  ) then
    return query select 'NOT_MEMBER'::text, null::int, null::text, v_status::text;
    return;
  end if;
  -- The lead's people write every section; another member's, those assigned to its people.
  if not exists (
    select 1 from bid_members bm join memberships m on m.cooperative_id = bm.cooperative_id
     where bm.bid_id = v_bid and m.user_id = p_user and bm.status in ('INVITED', 'ACCEPTED')
       and (bm.cooperative_id = (select b.lead_id from bids b where b.id = v_bid)
            or exists (select 1 from bid_sections s join memberships am on am.user_id = s.assignee_id
                        where s.id = p_section and am.cooperative_id = bm.cooperative_id))
  ) then
    return query select 'NOT_OWNER'::text, null::int, null::text, v_status::text;
    return;
  end if;
  if p_cmid is not null then
    select e.seq, e.actor_id, e.payload into v_prior from bid_events e where e.bid_id = v_bid and e.client_mutation_id = p_cmid;
    if found then
      return query select (case when v_prior.actor_id is distinct from p_user then 'CMID_TAKEN'
when v_prior.payload is distinct from p_payload then 'CMID_CONFLICT'
                                  else 'REPLAY' end)::text, v_prior.seq::int, null::text, v_status::text;
      return;
    end if;
  end if;
  if v_status not in ('DRAFT', 'IN_REVIEW') then
    return query select 'FROZEN'::text, null::int, null::text, v_status::text;
    return;
  end if;
  -- Removed meanwhile (removal takes the bid's lock too, so this answer holds until commit).
  if not exists (select 1 from bid_sections s where s.id = p_section) then
    return query select 'NOT_FOUND'::text, null::int, null::text, v_status::text;
    return;
  end if;
  update bids set head_seq = head_seq + 1, updated_at = now() where id = v_bid returning head_seq into v_seq;
  insert into bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id)
  values (gen_random_uuid(), v_bid, v_seq, 'SECTION_TEXT_UPDATED', p_payload, p_user, p_cmid, 'BidSection:' || p_section::text, p_section)
  returning * into v_event;
  v_notice := bid_event_notice(row_to_json(v_event));
  perform pg_notify('bid_' || replace(v_bid::text, '-', ''), v_notice);
  return query select 'OK'::text, v_seq, v_notice, v_status::text;
end;
$$;`;

const current = `
create function bid_apply_section_update(p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language plpgsql as $$
declare
  v_bid uuid;
  v_status bid_status;
  v_hash text := md5(p_payload::text);
  v_prior bid_events;
  v_appended record;
begin
  select s.bid_id into v_bid from bid_sections s where s.id = p_section;
  if v_bid is null then
    return query select 'NOT_FOUND'::text, null::int, null::text, null::text;
    return;
  end if;
  select b.status into v_status from bids b where b.id = v_bid for update;
  if not exists (select 1 from bid_active_memberships a where a.bid_id = v_bid and a.user_id = p_user) then
    return query select 'NOT_MEMBER'::text, null::int, null::text, v_status::text;
    return;
  end if;
  if not bid_section_writable(p_section, p_user) then
    return query select 'NOT_OWNER'::text, null::int, null::text, v_status::text;
    return;
  end if;
  if p_cmid is not null then
    select * into v_prior from bid_events e where e.bid_id = v_bid and e.client_mutation_id = p_cmid;
    if found then
      return query select bid_replay_outcome(v_prior, p_user, v_hash), v_prior.seq, null::text, v_status::text;
      return;
    end if;
  end if;
  if not bid_content_open(v_status) then
    return query select 'FROZEN'::text, null::int, null::text, v_status::text;
    return;
  end if;
  -- Removed meanwhile (removal takes the bid's lock too, so this answer holds until commit).
  if not exists (select 1 from bid_sections s where s.id = p_section) then
    return query select 'NOT_FOUND'::text, null::int, null::text, v_status::text;
    return;
  end if;
  select * into v_appended from bid_append_event(v_bid, 'SECTION_TEXT_UPDATED', p_payload, p_user, p_cmid,
    'BidSection:' || p_section::text, p_section, v_hash);
  return query select 'OK'::text, v_appended.seq, v_appended.notice, v_status::text;
end;
$$;`;

export class Migration20261206080000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`
create view bid_active_memberships as
  select bm.bid_id, bm.id as member_id, bm.cooperative_id, b.lead_id, m.user_id
    from bid_members bm
    join memberships m on m.cooperative_id = bm.cooperative_id
    join bids b on b.id = bm.bid_id
   where bm.status in ('INVITED', 'ACCEPTED') and (b.status::text <> 'PROPOSED' or bm.cooperative_id = b.lead_id);`);
    this.addSql(`
create function bid_content_open(p_status bid_status) returns boolean language sql immutable as $$
  select p_status in ('DRAFT', 'IN_REVIEW')
$$;`);
    this.addSql(`
create function bid_section_writable(p_section uuid, p_user uuid) returns boolean language sql stable as $$
  select exists (
    select 1 from bid_sections s join bid_active_memberships a on a.bid_id = s.bid_id and a.user_id = p_user
     where s.id = p_section
       and (a.cooperative_id = a.lead_id
            or exists (select 1 from memberships am where am.user_id = s.assignee_id and am.cooperative_id = a.cooperative_id)))
$$;`);
    this.addSql(`
create function bid_replay_outcome(p_prior bid_events, p_user uuid, p_request_hash text) returns text language sql immutable as $$
  select case when p_prior.actor_id is distinct from p_user then 'CMID_TAKEN'
              when p_prior.request_hash is not null and p_prior.request_hash is distinct from p_request_hash then 'CMID_CONFLICT'
              else 'REPLAY' end
$$;`);
    this.addSql(`
create function bid_append_event(p_bid uuid, p_type bid_event_type, p_payload jsonb, p_actor uuid, p_cmid text,
                                 p_result text, p_section uuid, p_request_hash text)
returns table (seq int, notice text) language plpgsql as $$
declare
  v_event bid_events;
  v_notice text;
begin
  update bids set head_seq = head_seq + 1, updated_at = now() where id = p_bid returning head_seq into v_event.seq;
  if not found then
    raise exception 'bid % vanished while appending an event', p_bid;
  end if;
  insert into bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id, request_hash)
  values (gen_random_uuid(), p_bid, v_event.seq, p_type, p_payload, p_actor, p_cmid, p_result, p_section, p_request_hash)
  returning * into v_event;
  v_notice := bid_event_notice(row_to_json(v_event));
  perform pg_notify('bid_' || replace(p_bid::text, '-', ''), v_notice);
  return query select v_event.seq, v_notice;
end;
$$;`);
    this.addSql(`update bid_events set request_hash = md5(payload::text)
                  where type = 'SECTION_TEXT_UPDATED' and client_mutation_id is not null and request_hash is null;`);
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(current);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(previous);
    this.addSql(`drop function bid_append_event(uuid, bid_event_type, jsonb, uuid, text, text, uuid, text);`);
    this.addSql(`drop function bid_replay_outcome(bid_events, uuid, text);`);
    this.addSql(`drop function bid_section_writable(uuid, uuid);`);
    this.addSql(`drop function bid_content_open(bid_status);`);
    this.addSql(`drop view bid_active_memberships;`);
  }

}
