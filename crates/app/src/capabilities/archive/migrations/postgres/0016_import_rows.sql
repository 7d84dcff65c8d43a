-- A rejected row's error file holds the whole original row under the file's own headers,
-- ready to fix and load again.
ALTER TABLE imports ADD COLUMN headers TEXT;
ALTER TABLE import_errors ADD COLUMN raw TEXT;
