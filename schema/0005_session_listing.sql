-- zoomctl schema, version 5: listing one instructor's or one cohort's sessions by status.

-- `session list --instructor X --status SCHEDULED --from T` (an instructor's upcoming
-- classes) made SQLite, which has no statistics to go on, walk sessions_status: every
-- upcoming session of the account to keep one instructor's. With 100,000 sessions that
-- was 52 ms against 15 ms with this index (bench/session_listing.py).
CREATE INDEX sessions_instructor_status ON sessions (instructor_id, status, start_time);
CREATE INDEX sessions_cohort_status ON sessions (cohort_id, status, start_time);
