-- Substring search as index range scans: every suffix of a customer's name (lower-cased)
-- and every suffix of three or more characters of a vehicle's plate is kept by triggers,
-- so a fragment typed in the search box is the prefix of some suffix. Keyed by dealer
-- first, so a search walks only the organisations in the caller's scope.
CREATE TABLE suffix_positions (n INTEGER PRIMARY KEY);
INSERT INTO suffix_positions (n)
    WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 100) SELECT n FROM s;

CREATE TABLE name_suffixes (
    org_id BIGINT NOT NULL,
    suffix TEXT NOT NULL,
    customer_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, suffix, customer_id)
) WITHOUT ROWID;
CREATE INDEX name_suffixes_customer ON name_suffixes(customer_id);

CREATE TABLE plate_suffixes (
    org_id BIGINT NOT NULL,
    suffix TEXT NOT NULL,
    vehicle_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, suffix, vehicle_id)
) WITHOUT ROWID;
CREATE INDEX plate_suffixes_vehicle ON plate_suffixes(vehicle_id);

CREATE TRIGGER customers_name_suffixes_insert AFTER INSERT ON customers BEGIN
    INSERT INTO name_suffixes (org_id, suffix, customer_id)
        SELECT NEW.org_id, substr(lower(NEW.name), n), NEW.id FROM suffix_positions WHERE n <= length(NEW.name);
END;
CREATE TRIGGER customers_name_suffixes_update AFTER UPDATE OF name, org_id ON customers BEGIN
    DELETE FROM name_suffixes WHERE customer_id = OLD.id;
    INSERT INTO name_suffixes (org_id, suffix, customer_id)
        SELECT NEW.org_id, substr(lower(NEW.name), n), NEW.id FROM suffix_positions WHERE n <= length(NEW.name);
END;
CREATE TRIGGER customers_name_suffixes_delete AFTER DELETE ON customers BEGIN
    DELETE FROM name_suffixes WHERE customer_id = OLD.id;
END;

CREATE TRIGGER vehicles_plate_suffixes_insert AFTER INSERT ON vehicles WHEN NEW.plate IS NOT NULL BEGIN
    INSERT INTO plate_suffixes (org_id, suffix, vehicle_id)
        SELECT NEW.org_id, substr(NEW.plate, n), NEW.id FROM suffix_positions WHERE n <= length(NEW.plate) - 2;
END;
CREATE TRIGGER vehicles_plate_suffixes_update AFTER UPDATE OF plate, org_id ON vehicles BEGIN
    DELETE FROM plate_suffixes WHERE vehicle_id = OLD.id;
    INSERT INTO plate_suffixes (org_id, suffix, vehicle_id)
        SELECT NEW.org_id, substr(NEW.plate, n), NEW.id FROM suffix_positions
        WHERE NEW.plate IS NOT NULL AND n <= length(NEW.plate) - 2;
END;
CREATE TRIGGER vehicles_plate_suffixes_delete AFTER DELETE ON vehicles BEGIN
    DELETE FROM plate_suffixes WHERE vehicle_id = OLD.id;
END;

INSERT INTO name_suffixes (org_id, suffix, customer_id)
    SELECT c.org_id, substr(lower(c.name), p.n), c.id FROM customers c JOIN suffix_positions p ON p.n <= length(c.name);
INSERT INTO plate_suffixes (org_id, suffix, vehicle_id)
    SELECT v.org_id, substr(v.plate, p.n), v.id FROM vehicles v JOIN suffix_positions p ON p.n <= length(v.plate) - 2
    WHERE v.plate IS NOT NULL;
