-- The customer 360 shows consents and contact-status changes on its timeline, by the
-- business date (Asia/Shanghai) they happened on.
ALTER TABLE consents ADD COLUMN day TEXT;
UPDATE consents SET day = date(at / 1000 + 28800, 'unixepoch');

CREATE TABLE phone_status_changes (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    phone_id BIGINT NOT NULL,
    last4 TEXT NOT NULL,
    status TEXT NOT NULL,
    -- `call` (an outcome), `edit` (the archive page or API), `replaced` (a new number)
    source TEXT NOT NULL,
    actor TEXT NOT NULL,
    day TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX phone_status_changes_customer ON phone_status_changes(customer_id, id);
