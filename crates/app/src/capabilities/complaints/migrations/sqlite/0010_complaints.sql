-- Complaints: the complaint with its two clocks (deadlines cached, recomputed on every
-- change; breaches and warnings recorded once and never cleared), pauses, the event
-- history, attachments, zero-tolerance penalties and notifications up the tree.

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT REFERENCES vehicles(id),
    sale_id BIGINT REFERENCES sales(id),
    repair_order_id BIGINT REFERENCES repair_orders(id),
    callback_task_id BIGINT REFERENCES callback_tasks(id),
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    tier TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    staff_name TEXT,
    state TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users(id),
    filed_at BIGINT NOT NULL,
    filed_on TEXT NOT NULL,
    first_response_at BIGINT,
    resolved_at BIGINT,
    closed_at BIGINT,
    first_response_due_at BIGINT,
    resolution_due_at BIGINT,
    first_response_warned_at BIGINT,
    resolution_warned_at BIGINT,
    first_response_breached_at BIGINT,
    resolution_breached_at BIGINT,
    paused_since BIGINT,
    escalation_level BIGINT NOT NULL DEFAULT 0,
    reopen_count BIGINT NOT NULL DEFAULT 0,
    responsible TEXT,
    root_cause TEXT,
    measures TEXT,
    customer_agreement TEXT,
    signed_off_by BIGINT REFERENCES users(id),
    signed_off_at BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX complaints_org_state ON complaints(org_id, state);
CREATE INDEX complaints_customer ON complaints(customer_id);
CREATE INDEX complaints_open_due ON complaints(state, resolution_due_at);
CREATE INDEX complaints_org_filed ON complaints(org_id, filed_at);

CREATE TABLE complaint_pauses (
    id INTEGER PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    reason TEXT NOT NULL,
    note TEXT,
    from_at BIGINT NOT NULL,
    until_at BIGINT,
    by_user BIGINT REFERENCES users(id)
);
CREATE INDEX complaint_pauses_complaint ON complaint_pauses(complaint_id, from_at);

CREATE TABLE complaint_events (
    id INTEGER PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX complaint_events_complaint ON complaint_events(complaint_id, id);

CREATE TABLE complaint_attachments (
    id INTEGER PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX complaint_attachments_complaint ON complaint_attachments(complaint_id);

CREATE TABLE penalties (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    complaint_id BIGINT NOT NULL REFERENCES complaints(id),
    rule TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    decided_by BIGINT REFERENCES users(id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX penalties_complaint_rule ON penalties(complaint_id, rule);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    complaint_id BIGINT REFERENCES complaints(id),
    idempotency_key TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX notifications_key ON notifications(idempotency_key);
CREATE INDEX notifications_org ON notifications(org_id, id);
