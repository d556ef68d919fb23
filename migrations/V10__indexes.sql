-- Indexes for the questions about one control, team or service (issue 18).
--
-- The links of a catalogue's controls, with the evidence each names, read from the index alone:
-- `gaps` and the pair streams read every link of a control, and `evidence list --control` the
-- links of one. It serves everything the index on (control_id, service_id) served, which it
-- replaces (one index less to write on every link).
CREATE INDEX evidence_link_control_evidence ON evidence_link(control_id, service_id, evidence_id);
DROP INDEX evidence_link_control;
