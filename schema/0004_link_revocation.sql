-- zoomctl schema, version 4: revoking access links.

-- Every access link carries the generation of its person's links at the time it
-- was made; `zoomctl link EMAIL --revoke` moves the generation on, and from then
-- on the daemon refuses every earlier link of that person (a leaked instructor
-- link would otherwise start the class until it expires, up to 31 days later).
ALTER TABLE users ADD COLUMN link_generation INTEGER NOT NULL DEFAULT 0 CHECK (link_generation >= 0);
