-- ctrlmap schema, version 12: the same evidence table, with its CHECKs on `kind` and `status`
-- written as comparisons instead of `IN (...)` lists. SQLite evaluates a CHECK's `IN` list of
-- three or more values through a temporary b-tree it builds and drops again for every row
-- written, which was nearly half the cost of adding a piece of evidence (an import of 50,000
-- rows); the comparisons accept and refuse exactly the same values.
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt as version 7 did:
-- the same rows (ids kept, so links, reviews, scans and snapshots still point at them), its
-- indexes made again, foreign keys off while it runs (db/open.rs) and checked once it has.

CREATE TABLE evidence_v12 (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind = 'file' OR kind = 'url' OR kind = 'note' OR kind = 'scan'),
    title         TEXT NOT NULL CHECK (length(title) > 0),
    sha256        TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
    size          INTEGER CHECK (size IS NULL OR size >= 0),
    media_type    TEXT,
    original_name TEXT,
    url           TEXT CHECK (url IS NULL OR url GLOB 'http://*' OR url GLOB 'https://*'),
    note          TEXT NOT NULL DEFAULT '',
    collected_on  TEXT NOT NULL CHECK (collected_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    valid_until   TEXT CHECK (valid_until IS NULL OR valid_until GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    submitted_by  TEXT NOT NULL,
    submitted_at  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status = 'pending' OR status = 'accepted' OR status = 'rejected'),
    CHECK (valid_until IS NULL OR valid_until >= collected_on),
    CHECK ((kind IN ('file', 'scan')) = (sha256 IS NOT NULL AND size IS NOT NULL)),
    CHECK ((kind = 'url') = (url IS NOT NULL)),
    CHECK (kind <> 'note' OR length(note) > 0)
) STRICT;

INSERT INTO evidence_v12 (id, kind, title, sha256, size, media_type, original_name, url, note, collected_on,
                          valid_until, submitted_by, submitted_at, status)
SELECT id, kind, title, sha256, size, media_type, original_name, url, note, collected_on,
       valid_until, submitted_by, submitted_at, status
FROM evidence;

DROP TABLE evidence;
ALTER TABLE evidence_v12 RENAME TO evidence;
CREATE INDEX evidence_sha256 ON evidence(sha256);
CREATE INDEX evidence_status ON evidence(status, valid_until);
