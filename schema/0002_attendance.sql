-- zoomctl schema, version 2: attendance from webhooks.

-- A leave_time that was not sent by Zoom but filled in from the meeting's end
-- (meeting.ended closes open intervals). A real participant_left that arrives
-- later replaces it, so late and out-of-order events give the same result.
ALTER TABLE session_attendance ADD COLUMN leave_inferred INTEGER NOT NULL DEFAULT 0 CHECK (leave_inferred IN (0, 1));

-- Reconciliation and reports look rows up by person within a session.
CREATE INDEX session_attendance_source ON session_attendance (session_id, source);
