-- The workshop: bays (工位) by kind, technicians with their skills, and appointments
-- (预约) placed on one bay and one technician after the capacity check.

CREATE TABLE workshop_bays (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE workshop_technicians (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    -- Bay kinds the technician works, comma-separated (`mechanical,quick_service`).
    skills TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT REFERENCES vehicles(id),
    job_type TEXT NOT NULL,
    bay_kind TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    requested_work TEXT NOT NULL,
    work_content TEXT,
    parts_note TEXT,
    advisor_id BIGINT REFERENCES users(id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    day TEXT NOT NULL,
    bay_id BIGINT NOT NULL REFERENCES workshop_bays(id),
    technician_id BIGINT NOT NULL REFERENCES workshop_technicians(id),
    state TEXT NOT NULL,
    state_at BIGINT,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX appointments_org_start ON appointments(org_id, starts_at);
CREATE INDEX appointments_customer ON appointments(customer_id);
