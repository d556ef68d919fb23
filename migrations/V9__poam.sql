-- ctrlmap schema, version 9: the plan of action and milestones (POA&M).
--
-- One item per finding: opened when an evaluation closes (one per control and kind of finding)
-- or, later, per failing scan check. Its history is the audit log; the rows hold where it stands.
-- Whether an item is overdue, or whether a risk acceptance has run out, is computed when read
-- (against --today), never stored, as evidence expiry is.

CREATE TABLE poam_item (
    id             INTEGER PRIMARY KEY,
    -- What raised it: an evaluation's finding or a scan's failing check.
    source         TEXT NOT NULL CHECK (source IN ('evaluation', 'scan')),
    evaluation_id  INTEGER REFERENCES evaluation(id),
    -- A stable key of what raised it within its source (`evaluation:3`, `scan:prowler:s3_...`):
    -- with the control and kind, what keeps one finding from opening two items.
    origin         TEXT NOT NULL CHECK (length(origin) > 0),
    catalog        TEXT NOT NULL,
    control_key    TEXT NOT NULL,
    control_title  TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN
                       ('not-satisfied', 'partially-satisfied', 'no-evidence', 'expired-evidence', 'failed-check')),
    -- The services it concerns (JSON array of names, sorted).
    services       TEXT NOT NULL DEFAULT '[]',
    detail         TEXT NOT NULL,
    -- The owning team's name, or NULL when nobody owns it yet.
    owner          TEXT,
    detected_on    TEXT NOT NULL,
    due_on         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in-progress', 'completed', 'risk-accepted')),
    completed_on   TEXT,
    -- A risk acceptance: the day it was recorded, its last day, why, and who accepted.
    accepted_on    TEXT,
    accepted_until TEXT,
    accepted_why   TEXT,
    accepted_by    TEXT,
    CHECK (due_on >= detected_on),
    CHECK ((source = 'evaluation') = (evaluation_id IS NOT NULL)),
    CHECK ((status = 'completed') = (completed_on IS NOT NULL)),
    CHECK ((status = 'risk-accepted') = (accepted_until IS NOT NULL)),
    CHECK ((accepted_until IS NULL) = (accepted_why IS NULL)),
    CHECK ((accepted_until IS NULL) = (accepted_on IS NULL)),
    CHECK ((accepted_until IS NULL) = (accepted_by IS NULL)),
    CHECK (accepted_why IS NULL OR length(trim(accepted_why)) > 0)
) STRICT;

-- One finding opens one item while that item is not completed, whatever path opens it.
CREATE UNIQUE INDEX poam_item_finding ON poam_item(origin, catalog, control_key, kind) WHERE status <> 'completed';
CREATE INDEX poam_item_evaluation ON poam_item(evaluation_id);

-- What was planned and done, in order: text, the day it was recorded and who recorded it.
CREATE TABLE poam_milestone (
    item_id  INTEGER NOT NULL REFERENCES poam_item(id),
    seq      INTEGER NOT NULL,
    text     TEXT NOT NULL CHECK (length(text) > 0),
    on_date  TEXT NOT NULL,
    actor    TEXT NOT NULL,
    PRIMARY KEY (item_id, seq)
) STRICT;

-- Milestones are a record: added, never changed or removed.
CREATE TRIGGER poam_milestone_no_update BEFORE UPDATE ON poam_milestone
BEGIN
    SELECT RAISE(ABORT, 'a POA&M milestone is never changed');
END;

CREATE TRIGGER poam_milestone_no_delete BEFORE DELETE ON poam_milestone
BEGIN
    SELECT RAISE(ABORT, 'a POA&M milestone is never removed');
END;

CREATE TRIGGER poam_item_no_delete BEFORE DELETE ON poam_item
BEGIN
    SELECT RAISE(ABORT, 'a POA&M item is never removed: complete it or accept its risk');
END;
