-- ctrlmap schema, version 1: the shared responsibility model, the organisation's estate and the audit log.
-- Every enum column carries a CHECK constraint as the second lock behind the Rust enums. Keys and
-- names compare without case, so `Platform` and `platform` cannot both exist.

CREATE TABLE provider (
    id   INTEGER PRIMARY KEY,
    key  TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(key) > 0),
    name TEXT NOT NULL
) STRICT;

CREATE TABLE offering (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES provider(id),
    key         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(key) > 0),
    name        TEXT NOT NULL,
    category    TEXT NOT NULL CHECK (category IN ('infrastructure', 'container', 'abstracted')),
    source      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX offering_category ON offering(category);

CREATE TABLE catalog (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(key) > 0),
    title       TEXT NOT NULL,
    version     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL
) STRICT;

CREATE TABLE control (
    id         INTEGER PRIMARY KEY,
    catalog_id INTEGER NOT NULL REFERENCES catalog(id) ON DELETE CASCADE,
    key        TEXT NOT NULL COLLATE NOCASE CHECK (length(key) > 0),
    title      TEXT NOT NULL,
    family     TEXT NOT NULL DEFAULT '',
    parent_id  INTEGER REFERENCES control(id),
    statement  TEXT NOT NULL DEFAULT '',
    sort_key   TEXT NOT NULL DEFAULT '',
    withdrawn  INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1)),
    UNIQUE (catalog_id, key)
) STRICT;
CREATE INDEX control_catalog_sort ON control(catalog_id, sort_key, key);
CREATE INDEX control_catalog_family ON control(catalog_id, family);

-- The model's defaults. A rule names a control (exact), or a family, or neither (catalogue default);
-- the most specific rule for a control and a service category wins.
CREATE TABLE responsibility_rule (
    id             INTEGER PRIMARY KEY,
    catalog_id     INTEGER NOT NULL REFERENCES catalog(id) ON DELETE CASCADE,
    control_key    TEXT,
    family         TEXT,
    category       TEXT NOT NULL CHECK (category IN ('infrastructure', 'container', 'abstracted')),
    responsibility TEXT NOT NULL CHECK (responsibility IN ('inherited', 'shared', 'customer')),
    rationale      TEXT NOT NULL CHECK (length(rationale) > 0),
    source         TEXT NOT NULL DEFAULT '',
    CHECK (control_key IS NULL OR family IS NULL)
) STRICT;
CREATE UNIQUE INDEX responsibility_rule_scope
    ON responsibility_rule(catalog_id, coalesce(control_key, ''), coalesce(family, ''), category);

CREATE TABLE team (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0),
    contact TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE service (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) > 0),
    offering_id         INTEGER NOT NULL REFERENCES offering(id),
    team_id             INTEGER REFERENCES team(id),
    environment         TEXT NOT NULL DEFAULT '',
    region              TEXT NOT NULL DEFAULT '',
    data_classification TEXT NOT NULL DEFAULT '',
    in_scope            INTEGER NOT NULL DEFAULT 1 CHECK (in_scope IN (0, 1))
) STRICT;
CREATE INDEX service_offering ON service(offering_id);
CREATE INDEX service_team ON service(team_id);

-- Sparse overrides and statements per (control, service), or per control for the whole
-- organisation when service_id is NULL.
CREATE TABLE implementation (
    id                      INTEGER PRIMARY KEY,
    control_id              INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    service_id              INTEGER REFERENCES service(id) ON DELETE CASCADE,
    responsibility          TEXT CHECK (responsibility IN ('inherited', 'shared', 'customer')),
    responsibility_why      TEXT,
    status                  TEXT CHECK (status IN ('implemented', 'partial', 'planned', 'alternative', 'not-applicable')),
    statement               TEXT NOT NULL DEFAULT '',
    owner_team_id           INTEGER REFERENCES team(id),
    CHECK (responsibility IS NULL OR coalesce(length(responsibility_why), 0) > 0)
) STRICT;
CREATE UNIQUE INDEX implementation_scope ON implementation(control_id, coalesce(service_id, 0));
CREATE INDEX implementation_service ON implementation(service_id);

-- Append-only, hash-chained record of every write.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    details   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is forbidden');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is forbidden');
END;
