-- ctrlmap schema, version 2: evidence, its links to controls (and services), and its review history.

CREATE TABLE evidence (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('file', 'url', 'note')),
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
    CHECK ((kind = 'file') = (sha256 IS NOT NULL AND size IS NOT NULL)),
    CHECK ((kind = 'url') = (url IS NOT NULL)),
    CHECK (kind <> 'note' OR length(note) > 0)
) STRICT;
CREATE INDEX evidence_sha256 ON evidence(sha256);
CREATE INDEX evidence_status ON evidence(status, valid_until);

CREATE TABLE evidence_link (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    control_id  INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    service_id  INTEGER REFERENCES service(id) ON DELETE CASCADE,
    linked_by   TEXT NOT NULL,
    linked_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX evidence_link_scope ON evidence_link(evidence_id, control_id, coalesce(service_id, 0));
CREATE INDEX evidence_link_control ON evidence_link(control_id, service_id);

CREATE TABLE evidence_review (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    decision    TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    reviewer    TEXT NOT NULL,
    at          TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX evidence_review_evidence ON evidence_review(evidence_id, id);
