-- ctrlmap schema, version 4: crosswalks between controls of (usually different) catalogues.

CREATE TABLE control_mapping (
    id                INTEGER PRIMARY KEY,
    source_control_id INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    target_control_id INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    relationship      TEXT NOT NULL CHECK (relationship IN ('equal', 'subset', 'superset', 'intersect', 'related')),
    rationale         TEXT NOT NULL CHECK (length(rationale) > 0),
    origin            TEXT NOT NULL CHECK (origin IN ('seed', 'user', 'import')),
    UNIQUE (source_control_id, target_control_id),
    CHECK (source_control_id <> target_control_id)
) STRICT;
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
