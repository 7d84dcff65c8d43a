-- Integrity: login throttling by account, client address and the pair of both (counted
-- before the password is checked, so parallel attempts cannot overtake the count), and
-- the temporary file of each running import (removed when an interrupted import is found).

CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL
);

ALTER TABLE imports ADD COLUMN upload_path TEXT;
