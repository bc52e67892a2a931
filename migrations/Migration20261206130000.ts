import { Migration } from '@mikro-orm/migrations';

/**
 * One definition of "this session still holds" (not signed out, same token version), read by
 * resolveViewer (src/auth/auth.service.ts) on every request and every operation of a socket, and
 * by `bid_apply_section_update_as`: a text update over a WebSocket skips the per-operation
 * lookup, so that its relay waits for no round trip, and its write checks the session in the same
 * statement instead (a refusal closes the socket, as the lookup's would).
 */
export class Migration20261206130000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`
create function session_valid(p_session uuid, p_user uuid, p_token_version int) returns boolean language sql stable as $$
  select exists (
    select 1 from sessions s join users u on u.id = s.user_id
     where s.id = p_session and s.user_id = p_user and s.revoked_at is null and u.token_version = p_token_version)
$$;`);
    this.addSql(`
create function bid_apply_section_update_as(p_session uuid, p_token_version int, p_section uuid, p_user uuid, p_cmid text, p_payload jsonb)
returns table (outcome text, seq int, notice text, bid_status text) language plpgsql as $$
begin
  if p_session is not null and not session_valid(p_session, p_user, p_token_version) then
    return query select 'UNAUTHENTICATED'::text, null::int, null::text, null::text;
    return;
  end if;
  return query select * from bid_apply_section_update(p_section, p_user, p_cmid, p_payload);
end;
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function bid_apply_section_update_as(uuid, int, uuid, uuid, text, jsonb);`);
    this.addSql(`drop function session_valid(uuid, uuid, int);`);
  }

}
