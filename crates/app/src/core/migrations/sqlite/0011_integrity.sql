-- Integrity: login throttling by account, client address and the pair of both (counted
-- before the password is checked, so parallel attempts cannot overtake the count), and
-- the temporary file of each running import (removed when an interrupted import is found).

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);

ALTER TABLE imports ADD COLUMN upload_path TEXT;

-- Penalties and notifications that concern no complaint: a month in which a dealer's
-- normative callback rate failed (one per dealer, rule and month). SQLite cannot drop a
-- NOT NULL, so the penalties table is rebuilt.
CREATE TABLE penalties_rebuilt (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    complaint_id BIGINT REFERENCES complaints(id),
    rule TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
INSERT INTO penalties_rebuilt (id, org_id, complaint_id, rule, amount_fen, state, note, decided_by, decided_at, created_at)
    SELECT id, org_id, complaint_id, rule, amount_fen, state, note, decided_by, decided_at, created_at FROM penalties;
DROP TABLE penalties;
ALTER TABLE penalties_rebuilt RENAME TO penalties;
CREATE UNIQUE INDEX penalties_complaint_rule ON penalties(complaint_id, rule);
CREATE UNIQUE INDEX penalties_org_rule ON penalties(org_id, rule) WHERE complaint_id IS NULL;
ALTER TABLE notifications ADD COLUMN subject_org_id BIGINT REFERENCES orgs(id);
