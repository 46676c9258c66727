-- A delivery activity that is draining a sink, or lingering on it for new events, holds a short lease
-- here and renews it as it goes. Ingest skips the wake-up signal while the lease lasts (the activity
-- reads those events anyway), so steady traffic costs no signals and no new workflow tasks.
alter table audit_sinks add column draining_until timestamptz;
