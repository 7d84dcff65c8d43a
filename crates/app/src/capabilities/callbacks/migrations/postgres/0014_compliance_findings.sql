-- The monthly compliance check's own record: one row per dealer and month found below
-- the line, with the failing types. The first time a finding is stored, callbacks tell
-- the other capabilities (complaints keeps the notices and the penalty ledger).
CREATE TABLE callback_compliance_findings (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    month TEXT NOT NULL,
    failing_types TEXT NOT NULL,
    penalty_fen BIGINT NOT NULL,
    found_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, month)
);
