-- ctrlmap schema, version 3: evaluations, their results, and the snapshot frozen when one closes.

CREATE TABLE evaluation (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL CHECK (length(name) > 0),
    catalog_id     INTEGER NOT NULL REFERENCES catalog(id),
    -- The services in scope, fixed when the evaluation opens (JSON array of names), and the teams
    -- the scope was chosen by (JSON array, empty for all).
    scope_services TEXT NOT NULL DEFAULT '[]',
    scope_teams    TEXT NOT NULL DEFAULT '[]',
    assessor       TEXT NOT NULL,
    opened_at      TEXT NOT NULL,
    closed_at      TEXT,
    fingerprint    TEXT CHECK (fingerprint IS NULL OR length(fingerprint) = 64),
    CHECK ((closed_at IS NULL) = (fingerprint IS NULL))
) STRICT;
CREATE UNIQUE INDEX evaluation_open_name ON evaluation(name COLLATE NOCASE) WHERE closed_at IS NULL;

CREATE TABLE evaluation_result (
    id            INTEGER PRIMARY KEY,
    evaluation_id INTEGER NOT NULL REFERENCES evaluation(id),
    control_id    INTEGER NOT NULL REFERENCES control(id),
    service_id    INTEGER REFERENCES service(id),
    result        TEXT NOT NULL CHECK (result IN ('satisfied', 'partially-satisfied', 'not-satisfied', 'not-applicable', 'not-assessed')),
    note          TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX evaluation_result_scope ON evaluation_result(evaluation_id, control_id, coalesce(service_id, 0));

-- One row per (control, service in scope), written when the evaluation closes: what was true then.
CREATE TABLE evaluation_item (
    evaluation_id  INTEGER NOT NULL REFERENCES evaluation(id),
    seq            INTEGER NOT NULL,
    control_key    TEXT NOT NULL,
    control_title  TEXT NOT NULL,
    family         TEXT NOT NULL,
    service        TEXT NOT NULL,
    offering       TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN ('infrastructure', 'container', 'abstracted')),
    service_team   TEXT,
    responsibility TEXT NOT NULL CHECK (responsibility IN ('inherited', 'shared', 'customer', 'undetermined')),
    provenance     TEXT NOT NULL,
    rationale      TEXT NOT NULL,
    owner          TEXT,
    status         TEXT NOT NULL DEFAULT '',
    result         TEXT NOT NULL CHECK (result IN ('satisfied', 'partially-satisfied', 'not-satisfied', 'not-applicable', 'not-assessed')),
    note           TEXT NOT NULL DEFAULT '',
    evidence       TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (evaluation_id, seq)
) STRICT;

-- Closed evaluations are frozen: the second lock behind the commands' own checks.
CREATE TRIGGER evaluation_result_frozen_insert BEFORE INSERT ON evaluation_result
WHEN (SELECT closed_at FROM evaluation WHERE id = NEW.evaluation_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: its results are frozen');
END;

CREATE TRIGGER evaluation_result_frozen_update BEFORE UPDATE ON evaluation_result
WHEN (SELECT closed_at FROM evaluation WHERE id = OLD.evaluation_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: its results are frozen');
END;

CREATE TRIGGER evaluation_result_frozen_delete BEFORE DELETE ON evaluation_result
WHEN (SELECT closed_at FROM evaluation WHERE id = OLD.evaluation_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: its results are frozen');
END;

CREATE TRIGGER evaluation_item_frozen_insert BEFORE INSERT ON evaluation_item
WHEN (SELECT closed_at FROM evaluation WHERE id = NEW.evaluation_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: its snapshot is frozen');
END;

CREATE TRIGGER evaluation_item_no_update BEFORE UPDATE ON evaluation_item
BEGIN
    SELECT RAISE(ABORT, 'an evaluation snapshot is never changed');
END;

CREATE TRIGGER evaluation_item_no_delete BEFORE DELETE ON evaluation_item
BEGIN
    SELECT RAISE(ABORT, 'an evaluation snapshot is never changed');
END;

CREATE TRIGGER evaluation_closed_stays_closed BEFORE UPDATE ON evaluation
WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: it is frozen');
END;
