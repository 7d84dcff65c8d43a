-- Indexes for the search box: exact phone and last four digits, VIN prefix and VIN tail
-- (reversed VIN prefix) across the caller's whole scope.
CREATE INDEX customer_phones_digits_any ON customer_phones(digits);
CREATE INDEX customer_phones_last4_any ON customer_phones(last4);
CREATE INDEX vehicles_vin_any ON vehicles(vin);
CREATE INDEX vehicles_vin_rev_any ON vehicles(vin_rev);
CREATE INDEX ownerships_current ON ownerships(vehicle_id, end_date);
