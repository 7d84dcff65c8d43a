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
-- normative callback rate failed (one per dealer, rule and month).
ALTER TABLE penalties ALTER COLUMN complaint_id DROP NOT NULL;
CREATE UNIQUE INDEX penalties_org_rule ON penalties(org_id, rule) WHERE complaint_id IS NULL;
ALTER TABLE notifications ADD COLUMN subject_org_id BIGINT REFERENCES orgs(id);
