-- Substring search as index range scans: every suffix of a customer's name (lower-cased)
-- and every suffix of three or more characters of a vehicle's plate is kept by triggers,
-- so a fragment typed in the search box is the prefix of some suffix. Keyed by dealer
-- first, so a search walks only the organisations in the caller's scope. The "C"
-- collation orders by code point, which the prefix ranges rely on.
CREATE TABLE suffix_positions (n INTEGER PRIMARY KEY);
INSERT INTO suffix_positions (n) SELECT generate_series(1, 100);

CREATE TABLE name_suffixes (
    org_id BIGINT NOT NULL,
    suffix TEXT COLLATE "C" NOT NULL,
    customer_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, suffix, customer_id)
);
CREATE INDEX name_suffixes_customer ON name_suffixes(customer_id);

CREATE TABLE plate_suffixes (
    org_id BIGINT NOT NULL,
    suffix TEXT COLLATE "C" NOT NULL,
    vehicle_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, suffix, vehicle_id)
);
CREATE INDEX plate_suffixes_vehicle ON plate_suffixes(vehicle_id);

CREATE FUNCTION customers_name_suffixes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM name_suffixes WHERE customer_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO name_suffixes (org_id, suffix, customer_id)
            SELECT NEW.org_id, substr(lower(NEW.name), n), NEW.id FROM suffix_positions WHERE n <= char_length(NEW.name);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER customers_name_suffixes AFTER INSERT OR DELETE OR UPDATE OF name, org_id ON customers
    FOR EACH ROW EXECUTE FUNCTION customers_name_suffixes();

CREATE FUNCTION vehicles_plate_suffixes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM plate_suffixes WHERE vehicle_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.plate IS NOT NULL THEN
        INSERT INTO plate_suffixes (org_id, suffix, vehicle_id)
            SELECT NEW.org_id, substr(NEW.plate, n), NEW.id FROM suffix_positions WHERE n <= char_length(NEW.plate) - 2;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER vehicles_plate_suffixes AFTER INSERT OR DELETE OR UPDATE OF plate, org_id ON vehicles
    FOR EACH ROW EXECUTE FUNCTION vehicles_plate_suffixes();

INSERT INTO name_suffixes (org_id, suffix, customer_id)
    SELECT c.org_id, substr(lower(c.name), p.n), c.id FROM customers c JOIN suffix_positions p ON p.n <= char_length(c.name);
INSERT INTO plate_suffixes (org_id, suffix, vehicle_id)
    SELECT v.org_id, substr(v.plate, p.n), v.id FROM vehicles v JOIN suffix_positions p ON p.n <= char_length(v.plate) - 2
    WHERE v.plate IS NOT NULL;
