-- Provenance: which credential submitted each event, kept beside the event (never part of the SPEC wire
-- object; readers ask for it with GET /v1/audit/events?include=provenance).
--   api_key         a key posted it; submitted_by_id is the key's id
--   jwt             a JWT posted it; submitted_by_id is the token's sub
--   platform_token  the platform token posted it
--   platform        the platform wrote it itself (audit.* management events, promotions)
-- Rows stored before this migration have null in both: provenance unknown.
-- Adding nullable columns without a default rewrites nothing, and the append-only trigger only
-- guards UPDATE/DELETE, so old rows keep their bytes.
alter table audit_events
  add column submitted_by_kind text
    check (submitted_by_kind in ('api_key', 'jwt', 'platform_token', 'platform')),
  add column submitted_by_id text collate "C";
