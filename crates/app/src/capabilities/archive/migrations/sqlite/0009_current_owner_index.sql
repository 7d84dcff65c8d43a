-- A vehicle's current owner from the index alone (see the PostgreSQL migration). Partial:
-- only current ownerships, so it is smaller than the index it replaces.
DROP INDEX ownerships_current;
CREATE INDEX ownerships_current ON ownerships(vehicle_id, id, customer_id) WHERE end_date IS NULL;
