-- ctrlmap schema, version 7: scanner results as evidence. A scan is one evidence item of kind
-- `scan` (the raw file, by hash, in the store); each (check, resource, control) result it holds is
-- an observation. Services own resource patterns, so an observation lands on a service; check
-- maps say which controls a scanner's check stands for when the finding itself names none.
--
-- `evidence.kind` gains 'scan'. SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt with the same rows (ids kept, so links and reviews still point at them) and its indexes
-- are made again as version 2 made them. The migration runs with foreign keys off (db/open.rs),
-- as SQLite's procedure for rebuilding a table asks, so dropping the old table cascades nowhere;
-- the foreign keys are checked once it has run.

CREATE TABLE evidence_v7 (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('file', 'url', 'note', 'scan')),
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
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    CHECK (valid_until IS NULL OR valid_until >= collected_on),
    CHECK ((kind IN ('file', 'scan')) = (sha256 IS NOT NULL AND size IS NOT NULL)),
    CHECK ((kind = 'url') = (url IS NOT NULL)),
    CHECK (kind <> 'note' OR length(note) > 0)
) STRICT;

INSERT INTO evidence_v7 (id, kind, title, sha256, size, media_type, original_name, url, note, collected_on,
                         valid_until, submitted_by, submitted_at, status)
SELECT id, kind, title, sha256, size, media_type, original_name, url, note, collected_on,
       valid_until, submitted_by, submitted_at, status
FROM evidence;

DROP TABLE evidence;
ALTER TABLE evidence_v7 RENAME TO evidence;
CREATE INDEX evidence_sha256 ON evidence(sha256);
CREATE INDEX evidence_status ON evidence(status, valid_until);

-- Which resources belong to a service: ARN globs (`*` any run of characters, `?` one) or account
-- ids (`aws-account:111122223333`). Checked by the model before they are stored.
CREATE TABLE service_resource (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES service(id) ON DELETE CASCADE,
    pattern    TEXT NOT NULL CHECK (length(pattern) > 0),
    added_by   TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    UNIQUE (service_id, pattern)
) STRICT;

-- A scanner's check -> a control of a catalogue, with a relationship and rationale as crosswalk
-- rows have, and where the row came from (the imported file's name and hash).
CREATE TABLE check_map (
    id            INTEGER PRIMARY KEY,
    check_id      TEXT NOT NULL CHECK (length(check_id) > 0),
    control_id    INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    part          TEXT,
    raw           TEXT NOT NULL,
    relationship  TEXT NOT NULL CHECK (relationship IN
                      ('equal', 'equivalent', 'subset', 'superset', 'intersect', 'related', 'unrelated')),
    rationale     TEXT NOT NULL,
    source_file   TEXT NOT NULL,
    source_sha256 TEXT NOT NULL CHECK (length(source_sha256) = 64),
    imported_by   TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    UNIQUE (check_id, control_id)
) STRICT;
CREATE INDEX check_map_control ON check_map(control_id);

-- One row per imported scanner file, tied to its one evidence item.
CREATE TABLE scan (
    id             INTEGER PRIMARY KEY,
    evidence_id    INTEGER NOT NULL UNIQUE REFERENCES evidence(id) ON DELETE CASCADE,
    catalog_id     INTEGER NOT NULL REFERENCES catalog(id) ON DELETE CASCADE,
    sha256         TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    tool           TEXT NOT NULL,
    tool_version   TEXT,
    format         TEXT NOT NULL CHECK (format IN ('asff', 'ocsf', 'prowler-csv', 'hdf', 'oscal-ar')),
    scanned_at     TEXT NOT NULL,
    findings       INTEGER NOT NULL CHECK (findings >= 0),
    passed         INTEGER NOT NULL DEFAULT 0,
    failed         INTEGER NOT NULL DEFAULT 0,
    manual         INTEGER NOT NULL DEFAULT 0,
    not_applicable INTEGER NOT NULL DEFAULT 0,
    error          INTEGER NOT NULL DEFAULT 0,
    unmapped_controls  INTEGER NOT NULL DEFAULT 0,
    unmapped_resources INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One (check, resource, control) result. `service_id` NULL: organisation-wide (account-wide or a
-- resource no service claims); `control_id` NULL: the finding maps to no control of the catalogue.
-- `superseded_by`: the newer scan that observed the same check on the same resource.
CREATE TABLE observation (
    id            INTEGER PRIMARY KEY,
    scan_id       INTEGER NOT NULL REFERENCES scan(id) ON DELETE CASCADE,
    check_id      TEXT NOT NULL CHECK (length(check_id) > 0),
    finding_id    TEXT NOT NULL CHECK (length(finding_id) > 0),
    title         TEXT NOT NULL DEFAULT '',
    resource      TEXT NOT NULL CHECK (length(resource) > 0),
    service_id    INTEGER REFERENCES service(id) ON DELETE SET NULL,
    control_id    INTEGER REFERENCES control(id) ON DELETE SET NULL,
    part          TEXT,
    status        TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'manual', 'not-applicable', 'error')),
    source_status TEXT NOT NULL,
    observed_at   TEXT NOT NULL,
    mapping       TEXT NOT NULL,
    superseded_by INTEGER REFERENCES scan(id) ON DELETE SET NULL
) STRICT;
CREATE INDEX observation_scan ON observation(scan_id, status);
CREATE INDEX observation_subject ON observation(check_id, resource);
CREATE INDEX observation_pair ON observation(control_id, service_id);
CREATE INDEX observation_service ON observation(service_id);
