-- Saved customer segments (客户分类): a named filter whose count is computed live.
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX segments_org ON segments(org_id, id);
