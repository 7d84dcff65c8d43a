-- Imports: one row per file loaded, with its reconciliation, and the rows it rejected.

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    status TEXT NOT NULL,
    dry_run BOOLEAN NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_inserted BIGINT NOT NULL DEFAULT 0,
    rows_updated BIGINT NOT NULL DEFAULT 0,
    rows_unchanged BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    message TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX imports_org ON imports(org_id, id);

CREATE TABLE import_errors (
    id INTEGER PRIMARY KEY,
    import_id BIGINT NOT NULL REFERENCES imports(id),
    row_no BIGINT NOT NULL,
    column_name TEXT NOT NULL,
    value TEXT NOT NULL,
    code TEXT NOT NULL
);
CREATE INDEX import_errors_import ON import_errors(import_id, row_no);
