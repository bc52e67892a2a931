import { Migration, type Query } from '@mikro-orm/migrations';
import { Migration20261206170000 } from './Migration20261206170000';

/**
 * Text updates committed a batch per bid, not per section (src/bids/sections/section-writer.ts):
 * the bid's row lock is what orders its log, so every section of a bid shares one queue and one
 * statement. With twenty people each writing a section of their own, twenty statements queued on
 * the bid's lock, one commit each; now they go together.
 *
 * `bid_apply_text_updates` holds the rules of one text update (session, access, replay, freeze),
 * applied to each update of a batch in order, each naming its section; a section that is not the
 * bid's (or no longer is, once the lock is held: removal takes it too) is NOT_FOUND. Without a
 * bid, the batch's first section names it.
 * `bid_apply_section_updates`, one section's batch, now calls it, and so do the single-update
 * functions through it: one definition of the rules.
 */
export class Migration20261206210000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`
create function bid_apply_text_updates(p_bid uuid, p_sections uuid[], p_sessions uuid[], p_token_versions int[], p_users uuid[], p_cmids text[], p_payloads jsonb[])
returns table (ord int, outcome text, seq int, notice text, bid_status text) language plpgsql as $$
declare
  v_count int := coalesce(cardinality(p_users), 0);
  v_bid uuid;
  v_status bid_status;
  v_head int;
  v_sections uuid[] := '{}';
  v_outcomes text[] := array_fill(null::text, array[v_count]);
  v_statuses text[] := array_fill(null::text, array[v_count]);
  v_seqs int[] := array_fill(null::int, array[v_count]);
  v_hashes text[] := array_fill(null::text, array[v_count]);
  v_notices text[] := array_fill(null::text, array[v_count]);
  v_accepted int[] := '{}';
  v_prior bid_events;
  v_logged bid_events[] := '{}';
  v_same int;
  v_row record;
  i int;
  j int;
begin
  -- No bid named (the caller knew none): the first section's, if it exists.
  v_bid := coalesce(p_bid, (select s.bid_id from bid_sections s where s.id = p_sections[1]));
  if v_bid is not null then
    select b.id, b.status, b.head_seq into v_bid, v_status, v_head from bids b where b.id = v_bid for update;
    -- The bid's sections among the batch's, as of the lock (removal takes it too: this holds until commit).
    if v_bid is not null then
      v_sections := array(select s.id from bid_sections s where s.bid_id = v_bid and s.id = any(p_sections));
      -- The batch's client mutation ids already in the bid's log, in one lookup by the (bid, id)
      -- unique index. Planned at each call (EXECUTE): a plan cached by the session while the log
      -- was small went through the bid's (bid, seq) index, and read the bid's whole log per update
      -- once it had grown (3.5 ms at 5,000 events, measured by bench/live).
      if exists (select 1 from unnest(p_cmids) c where c is not null) then
        execute 'select coalesce(array_agg(e), ''{}'') from bid_events e where e.bid_id = $1 and e.client_mutation_id = any($2)'
          into v_logged using v_bid, p_cmids;
      end if;
    end if;
  end if;
  for i in 1 .. v_count loop
    v_hashes[i] := md5(p_payloads[i]::text);
    if p_sessions[i] is not null and not session_valid(p_sessions[i], p_users[i], p_token_versions[i]) then
      v_outcomes[i] := 'UNAUTHENTICATED';
      continue;
    end if;
    if v_bid is null or not (p_sections[i] = any(v_sections)) then
      v_outcomes[i] := 'NOT_FOUND';
      continue;
    end if;
    v_statuses[i] := v_status::text;
    if not exists (select 1 from bid_active_memberships a where a.bid_id = v_bid and a.user_id = p_users[i]) then
      v_outcomes[i] := 'NOT_MEMBER';
      continue;
    end if;
    if not bid_section_writable(p_sections[i], p_users[i]) then
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
      v_prior := null;
      foreach v_prior in array v_logged loop
        exit when v_prior.client_mutation_id = p_cmids[i];
      end loop;
      if v_prior.client_mutation_id = p_cmids[i] then
        v_outcomes[i] := bid_replay_outcome(v_prior, p_users[i], v_hashes[i]);
        v_seqs[i] := v_prior.seq;
        continue;
      end if;
    end if;
    if not bid_content_open(v_status) then
      v_outcomes[i] := 'FROZEN';
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
               array(select 'BidSection:' || p_sections[k]::text from unnest(v_accepted) with ordinality u(k, o) order by u.o),
               array(select p_sections[k] from unnest(v_accepted) with ordinality u(k, o) order by u.o),
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
create or replace function bid_apply_section_updates(p_section uuid, p_sessions uuid[], p_token_versions int[], p_users uuid[], p_cmids text[], p_payloads jsonb[])
returns table (ord int, outcome text, seq int, notice text, bid_status text) language sql as $$
  select r.*
    from bid_apply_text_updates(null, array_fill(p_section, array[coalesce(cardinality(p_users), 0)]), p_sessions, p_token_versions, p_users, p_cmids, p_payloads) r
$$;`);
  }

  override async down(): Promise<void> {
    // Migration 20261206170000's definition (one section per batch) comes back from its own file.
    const previous = new Migration20261206170000(this.driver, this.config);
    await previous.up();
    const batch = previous.getQueries().find((sql: Query): sql is string => typeof sql === 'string' && sql.includes('create function bid_apply_section_updates('));
    if (!batch) throw new Error('migration 20261206170000 no longer defines bid_apply_section_updates');
    this.addSql('drop function bid_apply_section_updates(uuid, uuid[], int[], uuid[], text[], jsonb[]);');
    this.addSql(batch);
    this.addSql(`drop function bid_apply_text_updates(uuid, uuid[], uuid[], int[], uuid[], text[], jsonb[]);`);
  }

}
