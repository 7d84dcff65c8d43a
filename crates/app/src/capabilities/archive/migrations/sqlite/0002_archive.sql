-- Customer archive: customers, phones, consents, vehicles, ownership, mileage, and the
-- history records (sales, repair orders, insurance policies). Every row carries org_id
-- (the dealer it belongs to). Dates are YYYY-MM-DD text; money is integer fen.

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT,
    id_number TEXT,
    province TEXT,
    city TEXT,
    district TEXT,
    address TEXT,
    attributes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    membership_level TEXT,
    referred_by BIGINT REFERENCES customers(id),
    source_record_id TEXT,
    last_visit_date TEXT,
    merged_into BIGINT REFERENCES customers(id),
    erased_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX customers_org_name ON customers(org_id, name);
CREATE INDEX customers_org_id ON customers(org_id, id);
CREATE UNIQUE INDEX customers_source ON customers(org_id, source_record_id);

CREATE TABLE customer_phones (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    digits TEXT NOT NULL,
    kind TEXT NOT NULL,
    last4 TEXT NOT NULL,
    status TEXT NOT NULL,
    is_primary BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX customer_phones_digits ON customer_phones(org_id, digits);
CREATE INDEX customer_phones_last4 ON customer_phones(org_id, last4);
CREATE INDEX customer_phones_customer ON customer_phones(customer_id);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    purpose TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX consents_customer ON consents(customer_id, purpose, id);

CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    vin TEXT NOT NULL,
    vin_rev TEXT NOT NULL,
    vin_check_overridden BOOLEAN NOT NULL DEFAULT FALSE,
    plate TEXT,
    brand TEXT,
    model TEXT,
    trim_level TEXT,
    colour TEXT,
    purchase_date TEXT,
    delivery_date TEXT,
    source_record_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vehicles_vin ON vehicles(org_id, vin);
CREATE INDEX vehicles_vin_rev ON vehicles(org_id, vin_rev);
CREATE INDEX vehicles_plate ON vehicles(org_id, plate);

CREATE TABLE ownerships (
    id INTEGER PRIMARY KEY,
    vehicle_id BIGINT NOT NULL REFERENCES vehicles(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    start_date TEXT NOT NULL,
    end_date TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX ownerships_vehicle ON ownerships(vehicle_id, start_date);
CREATE INDEX ownerships_customer ON ownerships(customer_id);

CREATE TABLE mileage_readings (
    id INTEGER PRIMARY KEY,
    vehicle_id BIGINT NOT NULL REFERENCES vehicles(id),
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    read_on TEXT NOT NULL,
    km BIGINT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX mileage_vehicle ON mileage_readings(vehicle_id, read_on);

CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles(id),
    consultant_name TEXT,
    contract_date TEXT,
    delivery_date TEXT,
    amount_fen BIGINT,
    source_record_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX sales_customer ON sales(customer_id);
CREATE UNIQUE INDEX sales_source ON sales(org_id, source_record_id);

CREATE TABLE repair_orders (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles(id),
    ro_number TEXT,
    opened_on TEXT NOT NULL,
    delivered_on TEXT,
    kind TEXT NOT NULL,
    mileage_km BIGINT,
    labour_fen BIGINT,
    parts_fen BIGINT,
    total_fen BIGINT,
    advisor_name TEXT,
    fault_description TEXT,
    fault_code TEXT,
    source_record_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX repair_orders_customer ON repair_orders(customer_id);
CREATE INDEX repair_orders_vehicle ON repair_orders(vehicle_id);
CREATE UNIQUE INDEX repair_orders_source ON repair_orders(org_id, source_record_id);

CREATE TABLE insurance_policies (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs(id),
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    vehicle_id BIGINT NOT NULL REFERENCES vehicles(id),
    insurer TEXT NOT NULL,
    kind TEXT NOT NULL,
    policy_number TEXT,
    start_date TEXT NOT NULL,
    expiry_date TEXT NOT NULL,
    premium_fen BIGINT,
    source_record_id TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX insurance_customer ON insurance_policies(customer_id);
CREATE UNIQUE INDEX insurance_source ON insurance_policies(org_id, source_record_id);
