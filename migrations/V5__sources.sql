-- ctrlmap schema, version 5: the published sources behind the model's defaults, so offerings and
-- rules can cite a source by its id and every report can print a citation a reader can open.
-- Offerings and rules keep their `source` text column: ids of this table separated by `;`, or
-- free text a user wrote (shown as written), so no foreign key ties them to this table.

CREATE TABLE source (
    id                  INTEGER PRIMARY KEY,
    key                 TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(key) > 0),
    title               TEXT NOT NULL CHECK (length(title) > 0),
    publisher_or_author TEXT NOT NULL DEFAULT '',
    date                TEXT NOT NULL DEFAULT ''
        CHECK (date = '' OR date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    url                 TEXT NOT NULL DEFAULT '',
    supports            TEXT NOT NULL DEFAULT ''
) STRICT;
