-- ctrlmap schema, version 11: the scanner observations a closed evaluation counted, frozen with
-- it. At close, the current observations of its scope (from accepted, unexpired scans, the newest
-- scan per check and resource) are copied here, so a later import, supersession, review or
-- removal of a scan does not change what the closed evaluation's reports and exports say.
-- Copied rather than referenced: the live rows can be superseded or cascade away with their scan.

CREATE TABLE evaluation_observation (
    evaluation_id INTEGER NOT NULL REFERENCES evaluation(id),
    seq           INTEGER NOT NULL,
    control_key   TEXT NOT NULL,
    -- The service's name, or NULL for organisation-wide (account-wide or unclaimed resources).
    service       TEXT,
    check_id      TEXT NOT NULL CHECK (length(check_id) > 0),
    finding_id    TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    resource      TEXT NOT NULL CHECK (length(resource) > 0),
    status        TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'manual', 'not-applicable', 'error')),
    observed_at   TEXT NOT NULL,
    mapping       TEXT NOT NULL,
    scan_id       INTEGER NOT NULL,
    evidence_id   INTEGER NOT NULL,
    scan_sha256   TEXT NOT NULL CHECK (length(scan_sha256) = 64),
    tool          TEXT NOT NULL,
    PRIMARY KEY (evaluation_id, seq)
) STRICT;

-- Frozen as the snapshot is: written only while the evaluation closes, never changed after.
CREATE TRIGGER evaluation_observation_frozen_insert BEFORE INSERT ON evaluation_observation
WHEN (SELECT closed_at FROM evaluation WHERE id = NEW.evaluation_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'evaluation is closed: its observations are frozen');
END;

CREATE TRIGGER evaluation_observation_no_update BEFORE UPDATE ON evaluation_observation
BEGIN
    SELECT RAISE(ABORT, 'the observations of an evaluation are never changed');
END;

CREATE TRIGGER evaluation_observation_no_delete BEFORE DELETE ON evaluation_observation
BEGIN
    SELECT RAISE(ABORT, 'the observations of an evaluation are never changed');
END;
