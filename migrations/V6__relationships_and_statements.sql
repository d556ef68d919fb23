-- ctrlmap schema, version 6: two more crosswalk relationships, and statements in evaluation
-- snapshots (at the end).
--
-- Two more crosswalk relationships, so a mapping imported from OSCAL
-- keeps its meaning: `equivalent` (OSCAL `equivalent-to`: the same effective meaning in other
-- words) and `unrelated` (OSCAL `no-relationship`: the requirements do not overlap). SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt with the same rows; its
-- index and triggers go with the old table and are made again as version 4 made them.

CREATE TABLE control_mapping_v6 (
    id                INTEGER PRIMARY KEY,
    source_control_id INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    target_control_id INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    relationship      TEXT NOT NULL CHECK (relationship IN
                          ('equal', 'equivalent', 'subset', 'superset', 'intersect', 'related', 'unrelated')),
    rationale         TEXT NOT NULL CHECK (length(rationale) > 0),
    origin            TEXT NOT NULL CHECK (origin IN ('seed', 'user', 'import')),
    UNIQUE (source_control_id, target_control_id),
    CHECK (source_control_id <> target_control_id)
) STRICT;

INSERT INTO control_mapping_v6 (id, source_control_id, target_control_id, relationship, rationale, origin)
SELECT id, source_control_id, target_control_id, relationship, rationale, origin FROM control_mapping;

DROP TABLE control_mapping;
ALTER TABLE control_mapping_v6 RENAME TO control_mapping;
CREATE INDEX control_mapping_target ON control_mapping(target_control_id);

-- Within one catalogue a mapping can only say two controls are related: the second lock.
CREATE TRIGGER control_mapping_same_catalog_insert BEFORE INSERT ON control_mapping
WHEN NEW.relationship <> 'related'
 AND (SELECT catalog_id FROM control WHERE id = NEW.source_control_id)
   = (SELECT catalog_id FROM control WHERE id = NEW.target_control_id)
BEGIN
    SELECT RAISE(ABORT, 'controls of the same catalogue can only be mapped as related');
END;

CREATE TRIGGER control_mapping_same_catalog_update BEFORE UPDATE ON control_mapping
WHEN NEW.relationship <> 'related'
 AND (SELECT catalog_id FROM control WHERE id = NEW.source_control_id)
   = (SELECT catalog_id FROM control WHERE id = NEW.target_control_id)
BEGIN
    SELECT RAISE(ABORT, 'controls of the same catalogue can only be mapped as related');
END;

-- An evaluation freezes the implementation statement of each pair with the rest of it. Snapshots
-- frozen before have none ('').
ALTER TABLE evaluation_item ADD COLUMN statement TEXT NOT NULL DEFAULT '';
