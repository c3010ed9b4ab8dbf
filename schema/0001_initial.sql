-- zoomctl schema, version 1. Times are ISO 8601 UTC text ('YYYY-MM-DDTHH:MM:SSZ'),
-- which sorts correctly as text; durations are whole seconds unless named otherwise.

CREATE TABLE users (
  id                  INTEGER PRIMARY KEY,
  email               TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name                TEXT NOT NULL,
  role                TEXT NOT NULL CHECK (role IN ('instructor', 'learner', 'coordinator', 'admin')),
  zoom_user_id        TEXT UNIQUE,
  zoom_status         TEXT,               -- 'pending', 'active', 'inactive' as Zoom last said
  license_type        INTEGER,            -- Zoom user type: 1 Basic, 2 Licensed, ...
  license_assigned_at TEXT,
  created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE cohorts (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE cohort_members (
  cohort_id INTEGER NOT NULL REFERENCES cohorts (id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  added_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  PRIMARY KEY (cohort_id, user_id)
) WITHOUT ROWID;
CREATE INDEX cohort_members_user ON cohort_members (user_id);

CREATE TABLE sessions (
  id                INTEGER PRIMARY KEY,
  cohort_id         INTEGER NOT NULL REFERENCES cohorts (id),
  instructor_id     INTEGER NOT NULL REFERENCES users (id),
  topic             TEXT NOT NULL,
  zoom_meeting_id   INTEGER UNIQUE,        -- 64-bit; NULL only while being created or repaired
  zoom_meeting_uuid TEXT,
  zoom_join_url     TEXT,
  zoom_start_url    TEXT,                  -- carries the host's token: never shown to learners or logged
  start_time        TEXT NOT NULL,
  duration          INTEGER NOT NULL CHECK (duration BETWEEN 1 AND 1440), -- minutes
  timezone          TEXT NOT NULL DEFAULT 'UTC',
  status            TEXT NOT NULL DEFAULT 'SCHEDULED'
                    CHECK (status IN ('SCHEDULED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
  actual_start      TEXT,
  actual_end        TEXT,
  request_key       TEXT UNIQUE,           -- idempotency key of the request that created it
  needs_repair      TEXT,                  -- what is left to do when a half-done change must be finished
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX sessions_start ON sessions (start_time);
CREATE INDEX sessions_instructor ON sessions (instructor_id, start_time);
CREATE INDEX sessions_cohort ON sessions (cohort_id, start_time);
CREATE INDEX sessions_status ON sessions (status, start_time);

-- One row per join/leave cycle of one device, so rejoins and several devices are kept.
CREATE TABLE session_attendance (
  id                INTEGER PRIMARY KEY,
  session_id        INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id           INTEGER REFERENCES users (id),   -- NULL for an unmatched guest
  participant_key   TEXT NOT NULL,   -- participant_uuid, else Zoom's per-join user_id, as Zoom sent it
  participant_name  TEXT,
  participant_email TEXT,
  zoom_user_id      TEXT,            -- participant.id / participant_user_id when signed in
  customer_key      TEXT,
  join_time         TEXT,            -- NULL while only the leave has arrived
  leave_time        TEXT,
  duration          INTEGER,         -- seconds, set when both ends are known
  source            TEXT NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'report')),
  UNIQUE (session_id, participant_key, join_time)
);
CREATE INDEX session_attendance_session ON session_attendance (session_id, user_id);

-- Manual corrections; the history is kept and the latest row per (session, user) wins.
CREATE TABLE attendance_overrides (
  id         INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  present    INTEGER NOT NULL CHECK (present IN (0, 1)),
  reason     TEXT NOT NULL,
  actor      TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX attendance_overrides_session ON attendance_overrides (session_id, user_id, id);

-- Every change an operator or instructor makes.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  entity      TEXT NOT NULL,
  entity_id   TEXT,
  before_json TEXT,
  after_json  TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Every verified webhook delivery, raw, folded by dedupe key.
CREATE TABLE webhook_events (
  id          INTEGER PRIMARY KEY,
  dedupe_key  TEXT NOT NULL UNIQUE,
  event       TEXT NOT NULL,
  event_ts    INTEGER,                -- Zoom's event_ts, milliseconds
  meeting_id  TEXT,
  received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  deliveries  INTEGER NOT NULL DEFAULT 1,
  body        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'failed', 'ignored')),
  error       TEXT,
  applied_at  TEXT
);
CREATE INDEX webhook_events_status ON webhook_events (status, id);
CREATE INDEX webhook_events_meeting ON webhook_events (meeting_id, event_ts);

-- Server-to-Server OAuth tokens shared between processes, one per credential set.
CREATE TABLE token_cache (
  key_hash     TEXT PRIMARY KEY,      -- SHA-256 of the OAuth URL, account id and client id
  access_token TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,      -- Unix seconds
  scope        TEXT,
  api_url      TEXT,
  fetched_at   INTEGER NOT NULL
);

-- Meeting create/update calls per host per UTC day (Zoom allows 100).
CREATE TABLE zoom_quota (
  zoom_user_id TEXT NOT NULL,
  day          TEXT NOT NULL,         -- 'YYYY-MM-DD' UTC
  count        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (zoom_user_id, day)
) WITHOUT ROWID;
