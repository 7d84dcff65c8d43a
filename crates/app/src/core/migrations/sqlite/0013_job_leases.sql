-- Job leases: the worker that claimed a job holds a random token; only it may renew the
-- lease or record the outcome, so a worker that lost its lease cannot overwrite another.

ALTER TABLE jobs ADD COLUMN lease_token TEXT;
