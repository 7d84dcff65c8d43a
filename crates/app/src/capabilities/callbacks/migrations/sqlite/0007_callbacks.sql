-- Callbacks: the business calendar, callback policy per organisation, tasks and attempts.

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE callback_policies (
    org_id BIGINT PRIMARY KEY REFERENCES orgs(id),
    preset TEXT,
    overrides TEXT NOT NULL DEFAULT '{}',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE callback_tasks (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT REFERENCES vehicles(id),
    task_type TEXT NOT NULL,
    purpose TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_id BIGINT,
    event_date TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    priority BIGINT NOT NULL,
    due_date TEXT NOT NULL,
    workable_from BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    next_call_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users(id),
    attempts BIGINT NOT NULL DEFAULT 0,
    first_attempt_at BIGINT,
    closed_at BIGINT,
    outcome TEXT,
    close_reason TEXT,
    parent_task_id BIGINT REFERENCES callback_tasks(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX callback_tasks_key ON callback_tasks(idempotency_key);
CREATE INDEX callback_tasks_queue ON callback_tasks(assignee_id, state, next_call_at);
CREATE INDEX callback_tasks_org_due ON callback_tasks(org_id, due_date);
CREATE INDEX callback_tasks_org_state ON callback_tasks(org_id, state, next_call_at);
CREATE INDEX callback_tasks_customer ON callback_tasks(customer_id, state);

CREATE TABLE callback_attempts (
    id INTEGER PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES callback_tasks(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    agent_id BIGINT REFERENCES users(id),
    phone_id BIGINT,
    at BIGINT NOT NULL,
    business_date TEXT NOT NULL,
    outcome TEXT NOT NULL,
    answers TEXT NOT NULL DEFAULT '{}',
    note TEXT,
    call_back_at BIGINT
);
CREATE INDEX callback_attempts_task ON callback_attempts(task_id, id);
CREATE INDEX callback_attempts_org_date ON callback_attempts(org_id, business_date);
CREATE INDEX callback_attempts_customer ON callback_attempts(customer_id);

CREATE TABLE assignment_cursors (
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    role TEXT NOT NULL,
    last_user_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, role)
);
