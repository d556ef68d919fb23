-- ctrlmap schema, version 8: what a provider says it provides and what it leaves to the customer,
-- per control and offering, as its own documents state it (an OSCAL leveraged SSP's export, an
-- OSCAL component definition, an Azure security baseline). Provenance names the document (title,
-- SHA-256) and the statement (its uuid), so nothing here is ctrlmap's own judgement.

-- AUTOINCREMENT: a removed document's id is never given to another (ids are what users remove by).
CREATE TABLE provider_document (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id   INTEGER NOT NULL REFERENCES provider(id),
    catalog_id    INTEGER NOT NULL REFERENCES catalog(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('oscal-ssp', 'oscal-component-definition', 'azure-baseline')),
    title         TEXT NOT NULL CHECK (length(title) > 0),
    file_name     TEXT NOT NULL,
    sha256        TEXT NOT NULL CHECK (length(sha256) = 64),
    document_uuid TEXT NOT NULL DEFAULT '',
    version       TEXT NOT NULL DEFAULT '',
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL
) STRICT;
CREATE INDEX provider_document_provider ON provider_document(provider_id);

-- The offerings a document speaks for.
CREATE TABLE provider_document_offering (
    document_id INTEGER NOT NULL REFERENCES provider_document(id) ON DELETE CASCADE,
    offering_id INTEGER NOT NULL REFERENCES offering(id),
    PRIMARY KEY (document_id, offering_id)
) STRICT;
CREATE INDEX provider_document_offering_offering ON provider_document_offering(offering_id);

-- One statement of a document about one control on one offering. `provided`: what the provider
-- implements and a customer may inherit; `responsibility`: what the customer must do, optionally
-- tied to the provided statement it completes (`provided_uuid`). `partial` marks a provided
-- statement whose implementation the document gives as not complete (OSCAL implementation-status
-- planned / partial / alternative), so the customer keeps a part.
CREATE TABLE provider_statement (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES provider_document(id) ON DELETE CASCADE,
    control_id    INTEGER NOT NULL REFERENCES control(id) ON DELETE CASCADE,
    offering_id   INTEGER NOT NULL REFERENCES offering(id),
    kind          TEXT NOT NULL CHECK (kind IN ('provided', 'responsibility')),
    uuid          TEXT NOT NULL CHECK (length(uuid) > 0),
    provided_uuid TEXT,
    description   TEXT NOT NULL DEFAULT '',
    component     TEXT NOT NULL DEFAULT '',
    roles         TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT '',
    partial       INTEGER NOT NULL DEFAULT 0 CHECK (partial IN (0, 1)),
    location      TEXT NOT NULL DEFAULT '',
    CHECK (kind = 'responsibility' OR provided_uuid IS NULL)
) STRICT;
CREATE INDEX provider_statement_pair ON provider_statement(control_id, offering_id);
CREATE INDEX provider_statement_document ON provider_statement(document_id);
