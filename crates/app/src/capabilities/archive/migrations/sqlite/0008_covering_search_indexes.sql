-- VIN prefix and tail searches read the vehicle's id and dealer from the index alone
-- (SQLite keeps the row id in every index; the dealer is added).
DROP INDEX vehicles_vin_any;
DROP INDEX vehicles_vin_rev_any;
CREATE INDEX vehicles_vin_any ON vehicles(vin, org_id);
CREATE INDEX vehicles_vin_rev_any ON vehicles(vin_rev, org_id);
-- The same for the last four digits of a phone number.
DROP INDEX customer_phones_last4_any;
CREATE INDEX customer_phones_last4_any ON customer_phones(last4, org_id, customer_id);
