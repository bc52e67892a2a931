import { Migration } from '@mikro-orm/migrations';

/**
 * Live text follows the rights inside a bid (src/bids/bid.rights.ts, canEditSection): the lead's
 * people write every section, another member's people only the sections assigned to one of
 * their people (NOT_OWNER); the same rule as the section's fields, checked under the bid's lock.
 */
const body = (owners: boolean) => `
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
  ${owners ? `-- The lead's people write every section; another member's, those assigned to its people.
  if not exists (
    select 1 from bid_members bm join memberships m on m.cooperative_id = bm.cooperative_id
     where bm.bid_id = v_bid and m.user_id = p_user and bm.status in ('INVITED', 'ACCEPTED')
       and (bm.cooperative_id = (select b.lead_id from bids b where b.id = v_bid)
            or exists (select 1 from bid_sections s join memberships am on am.user_id = s.assignee_id
                        where s.id = p_section and am.cooperative_id = bm.cooperative_id))
  ) then
    return query select 'NOT_OWNER'::text, null::int, null::text, v_status::text;
    return;
  end if;` : ""}
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

export class Migration20261206053000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(body(true));
  }

  override async down(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update(uuid, uuid, text, jsonb);`);
    this.addSql(body(false));
  }

}
