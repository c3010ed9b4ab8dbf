-- zoomctl schema, version 3: per-participant attendance lookups.

-- Each participant event rebuilds the rows of one participant key in one session
-- (webhook_service apply_participant). With only (session_id, source) to go on,
-- SQLite read every webhook row of the session for each event: quadratic in the
-- size of the class. This index serves that lookup exactly and still serves the
-- reconciliation and report lookups by (session_id, source), so it replaces it.
DROP INDEX session_attendance_source;
CREATE INDEX session_attendance_source ON session_attendance (session_id, source, participant_key);
