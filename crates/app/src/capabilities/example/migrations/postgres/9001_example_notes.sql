-- The example capability (test builds only): notes about a customer.
CREATE TABLE example_notes (
    id BIGSERIAL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    day TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX example_notes_customer ON example_notes(customer_id);
