import { Migration } from '@mikro-orm/migrations';

/**
 * Text updates committed a batch at a time (src/bids/sections/section-writer.ts): one statement
 * takes the bid's lock once, moves its head once, inserts its events in one INSERT and sends one
 * notification, instead of doing all of that once per update of the batch. Under 20 co-editors
 * typing back to back, the per-update UPDATE of the bid's row (a new row version each time) and
 * NOTIFY were most of the statement.
 *
 * - append: `bid_append_events` is the one definition (gapless seqs from the bid's head, insert,
 *   notify at commit); `bid_append_event` appends one event through it. The one notification
 *   carries the event when it is alone, the events when they fit (`events`), else only the new
 *   head: other instances' feeds then read the events from the log (src/bids/live/bid-feed.ts),
 *   as they already did for an event too large to carry.
 * - text updates: `bid_apply_section_updates` holds the rules of one text update, applied to each
 *   update of a batch in order (session, access, replay, freeze), calling the shared rules of
 *   migration 20261206080000; an update replaying one earlier in the same batch is answered as a
 *   replay of it. `bid_apply_section_update` and `bid_apply_section_update_as` are batches of one.
 */
export class Migration20261206170000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`
create function bid_append_events(p_bid uuid, p_types bid_event_type[], p_payloads jsonb[], p_actors uuid[], p_cmids text[],
                                  p_results text[], p_sections uuid[], p_request_hashes text[])
returns table (seq int, notice text) language plpgsql as $$
declare
  v_count int := coalesce(cardinality(p_types), 0);
  v_head int;
  v_last text;
  v_events json[] := '{}';
  v_bytes int := 0;
  v_row record;
begin
  if v_count = 0 then
    return;
  end if;
  update bids b set head_seq = b.head_seq + v_count, updated_at = now() where b.id = p_bid returning b.head_seq into v_head;
  if not found then
    raise exception 'bid % vanished while appending an event', p_bid;
  end if;
  for v_row in
    with inserted as (
      insert into bid_events (id, bid_id, seq, type, payload, actor_id, client_mutation_id, result, section_id, request_hash)
      select gen_random_uuid(), p_bid, v_head - v_count + e.ord::int, e.type, e.payload, e.actor, e.cmid, e.result, e.section, e.hash
        from unnest(p_types, p_payloads, p_actors, p_cmids, p_results, p_sections, p_request_hashes)
             with ordinality as e(type, payload, actor, cmid, result, section, hash, ord)
      returning *)
    select i.seq as s, row_to_json(i) as e from inserted i order by i.seq
  loop
    seq := v_row.s;
    notice := bid_event_notice(v_row.e);
    v_last := notice;
    v_events := array_append(v_events, v_row.e);
    v_bytes := v_bytes + octet_length(v_row.e::text);
    return next;
  end loop;
  perform pg_notify('bid_' || replace(p_bid::text, '-', ''),
    case when v_count = 1 then v_last
         when v_bytes <= 7000 then json_build_object('bidId', p_bid, 'seq', v_head, 'events', to_json(v_events))::text
         else json_build_object('bidId', p_bid, 'seq', v_head)::text end);
end;
$$;`);
    this.addSql(`
create or replace function bid_append_event(p_bid uuid, p_type bid_event_type, p_payload jsonb, p_actor uuid, p_cmid text,
                                            p_result text, p_section uuid, p_request_hash text)
returns table (seq int, notice text) language sql as $$
  select a.seq, a.notice
    from bid_append_events(p_bid, array[p_type], array[p_payload], array[p_actor], array[p_cmid], array[p_result], array[p_section], array[p_request_hash]) a
$$;`);
    this.addSql(`
create function bid_apply_section_updates(p_section uuid, p_sessions uuid[], p_token_versions int[], p_users uuid[], p_cmids text[], p_payloads jsonb[])
returns table (ord int, outcome text, seq int, notice text, bid_status text) language plpgsql as $$
declare
  v_count int := coalesce(cardinality(p_users), 0);
  v_bid uuid;
  v_status bid_status;
  v_head int;
  v_outcomes text[] := array_fill(null::text, array[v_count]);
  v_statuses text[] := array_fill(null::text, array[v_count]);
  v_seqs int[] := array_fill(null::int, array[v_count]);
  v_hashes text[] := array_fill(null::text, array[v_count]);
  v_notices text[] := array_fill(null::text, array[v_count]);
  v_accepted int[] := '{}';
  v_prior bid_events;
  v_same int;
  v_removed boolean := false;
  v_row record;
  i int;
  j int;
begin
  select s.bid_id into v_bid from bid_sections s where s.id = p_section;
  if v_bid is not null then
    select b.status, b.head_seq into v_status, v_head from bids b where b.id = v_bid for update;
    -- Removed meanwhile (removal takes the bid's lock too, so this answer holds until commit).
    v_removed := not exists (select 1 from bid_sections s where s.id = p_section);
  end if;
  for i in 1 .. v_count loop
    v_hashes[i] := md5(p_payloads[i]::text);
    if p_sessions[i] is not null and not session_valid(p_sessions[i], p_users[i], p_token_versions[i]) then
      v_outcomes[i] := 'UNAUTHENTICATED';
      continue;
    end if;
    if v_bid is null then
      v_outcomes[i] := 'NOT_FOUND';
      continue;
    end if;
    v_statuses[i] := v_status::text;
    if not exists (select 1 from bid_active_memberships a where a.bid_id = v_bid and a.user_id = p_users[i]) then
      v_outcomes[i] := 'NOT_MEMBER';
      continue;
    end if;
    if not bid_section_writable(p_section, p_users[i]) then
      v_outcomes[i] := 'NOT_OWNER';
      continue;
    end if;
    if p_cmids[i] is not null then
      v_same := null;
      foreach j in array v_accepted loop
        if p_cmids[j] = p_cmids[i] then
          v_same := j;
          exit;
        end if;
      end loop;
      if v_same is not null then
        -- Replays an update of this batch: compared with it as with the log's.
        v_prior := null;
        v_prior.actor_id := p_users[v_same];
        v_prior.request_hash := v_hashes[v_same];
        v_outcomes[i] := bid_replay_outcome(v_prior, p_users[i], v_hashes[i]);
        v_seqs[i] := v_seqs[v_same];
        continue;
      end if;
      select * into v_prior from bid_events e where e.bid_id = v_bid and e.client_mutation_id = p_cmids[i];
      if found then
        v_outcomes[i] := bid_replay_outcome(v_prior, p_users[i], v_hashes[i]);
        v_seqs[i] := v_prior.seq;
        continue;
      end if;
    end if;
    if not bid_content_open(v_status) then
      v_outcomes[i] := 'FROZEN';
      continue;
    end if;
    if v_removed then
      v_outcomes[i] := 'NOT_FOUND';
      continue;
    end if;
    v_accepted := array_append(v_accepted, i);
    v_outcomes[i] := 'OK';
    v_seqs[i] := v_head + cardinality(v_accepted);
  end loop;
  if cardinality(v_accepted) > 0 then
    j := 0;
    for v_row in
      select a.seq as s, a.notice as n
        from bid_append_events(v_bid,
               array_fill('SECTION_TEXT_UPDATED'::bid_event_type, array[cardinality(v_accepted)]),
               array(select p_payloads[k] from unnest(v_accepted) with ordinality u(k, o) order by u.o),
               array(select p_users[k] from unnest(v_accepted) with ordinality u(k, o) order by u.o),
               array(select p_cmids[k] from unnest(v_accepted) with ordinality u(k, o) order by u.o),
               array_fill(('BidSection:' || p_section::text)::text, array[cardinality(v_accepted)]),
               array_fill(p_section, array[cardinality(v_accepted)]),
               array(select v_hashes[k] from unnest(v_accepted) with ordinality u(k, o) order by u.o)) a
    loop
      j := j + 1;
      if v_row.s <> v_seqs[v_accepted[j]] then
        raise exception 'bid % appended seq % where % was expected', v_bid, v_row.s, v_seqs[v_accepted[j]];
      end if;
      v_notices[v_accepted[j]] := v_row.n;
    end loop;
  end if;
  return query select g, v_outcomes[g], v_seqs[g], v_notices[g], v_statuses[g] from generate_series(1, v_count) g;
end;
$$;`);
    this.addSql(`
create or replace function bid_apply_section_update(p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language sql as $$
  select r.outcome, r.seq, r.notice, r.bid_status
    from bid_apply_section_updates(p_section, array[null::uuid], array[null::int], array[p_user], array[p_cmid], array[p_payload]) r
$$;`);
    this.addSql(`
create or replace function bid_apply_section_update_as(p_session uuid, p_token_version int, p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language sql as $$
  select r.outcome, r.seq, r.notice, r.bid_status
    from bid_apply_section_updates(p_section, array[p_session], array[p_token_version], array[p_user], array[p_cmid], array[p_payload]) r
$$;`);
  }

  override async down(): Promise<void> {
    // The definitions of migrations 20261206080000 and 20261206130000, one update at a time.
    this.addSql(`
create or replace function bid_append_event(p_bid uuid, p_type bid_event_type, p_payload jsonb, p_actor uuid, p_cmid text,
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
    this.addSql(`
create or replace function bid_apply_section_update(p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
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
  if not exists (select 1 from bid_sections s where s.id = p_section) then
    return query select 'NOT_FOUND'::text, null::int, null::text, v_status::text;
    return;
  end if;
  select * into v_appended from bid_append_event(v_bid, 'SECTION_TEXT_UPDATED', p_payload, p_user, p_cmid,
    'BidSection:' || p_section::text, p_section, v_hash);
  return query select 'OK'::text, v_appended.seq, v_appended.notice, v_status::text;
end;
$$;`);
    this.addSql(`
create or replace function bid_apply_section_update_as(p_session uuid, p_token_version int, p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language plpgsql as $$
begin
  if p_session is not null and not session_valid(p_session, p_user, p_token_version) then
    return query select 'UNAUTHENTICATED'::text, null::int, null::text, null::text;
    return;
  end if;
  return query select * from bid_apply_section_update(p_section, p_user, p_cmid, p_payload);
end;
$$;`);
    this.addSql(`drop function bid_apply_section_updates(uuid, uuid[], int[], uuid[], text[], jsonb[]);`);
    this.addSql(`drop function bid_append_events(uuid, bid_event_type[], jsonb[], uuid[], text[], text[], uuid[], text[]);`);
  }

}
