-- zoomctl schema, version 6: the runs of a session's meeting.
--
-- An instructor who ends a class by mistake and starts it again gets a new
-- meeting instance from Zoom: a new uuid, its own meeting.started and
-- meeting.ended. One row per instance keeps each run's start and end, so the
-- session can be IN_PROGRESS again, a learner's inferred leave is the end of
-- the run they were in (not the end of a later run), and the time between
-- runs does not count as meeting time. Rows are folded from events in any
-- order: the earliest start and the latest end of an instance win.
CREATE TABLE meeting_instances (
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  uuid       TEXT NOT NULL, -- Zoom's instance uuid; '' when an event named none
  start_time TEXT,
  end_time   TEXT,
  PRIMARY KEY (session_id, uuid)
) WITHOUT ROWID;

-- What the webhooks brought before this version: one run per session.
INSERT INTO meeting_instances (session_id, uuid, start_time, end_time)
SELECT id, COALESCE(zoom_meeting_uuid, ''), actual_start, actual_end FROM sessions
WHERE actual_start IS NOT NULL OR actual_end IS NOT NULL;

-- An event that names only its instance (no meeting id) finds its session by uuid.
CREATE INDEX meeting_instances_uuid ON meeting_instances (uuid);
