import { Migration } from '@mikro-orm/migrations';

/**
 * The two access rules written as `select exists (...)` SQL functions (migrations 20261206080000
 * and 20261206130000) are now PL/pgSQL with the same query. PostgreSQL inlines a SQL function
 * only when its body has no sub-select, so these ran as SQL functions proper, which PostgreSQL 15
 * parses and plans again on every call: `bid_section_writable` took 1 ms per call (its query
 * joins the active-membership view), most of a one-update text statement's 2 ms. PL/pgSQL keeps
 * the plan for the session: tens of microseconds. Every caller (the text-update statement, the
 * sections' access decisions, every request's session check) gets the same answer, cheaper.
 */
export class Migration20261206220000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`
create or replace function session_valid(p_session uuid, p_user uuid, p_token_version int) returns boolean language plpgsql stable as $$
begin
  return exists (
    select 1 from sessions s join users u on u.id = s.user_id
     where s.id = p_session and s.user_id = p_user and s.revoked_at is null and u.token_version = p_token_version);
end;
$$;`);
    this.addSql(`
create or replace function bid_section_writable(p_section uuid, p_user uuid) returns boolean language plpgsql stable as $$
begin
  return exists (
    select 1 from bid_sections s join bid_active_memberships a on a.bid_id = s.bid_id and a.user_id = p_user
     where s.id = p_section
       and (a.cooperative_id = a.lead_id
            or exists (select 1 from memberships am where am.user_id = s.assignee_id and am.cooperative_id = a.cooperative_id)));
end;
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
create or replace function session_valid(p_session uuid, p_user uuid, p_token_version int) returns boolean language sql stable as $$
  select exists (
    select 1 from sessions s join users u on u.id = s.user_id
     where s.id = p_session and s.user_id = p_user and s.revoked_at is null and u.token_version = p_token_version)
$$;`);
    this.addSql(`
create or replace function bid_section_writable(p_section uuid, p_user uuid) returns boolean language sql stable as $$
  select exists (
    select 1 from bid_sections s join bid_active_memberships a on a.bid_id = s.bid_id and a.user_id = p_user
     where s.id = p_section
       and (a.cooperative_id = a.lead_id
            or exists (select 1 from memberships am where am.user_id = s.assignee_id and am.cooperative_id = a.cooperative_id)))
$$;`);
  }

}
