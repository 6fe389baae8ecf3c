-- Schema 0002: a value that tells whether the server secret is the one this database was made
-- with (see bot/cases/keycheck.py). It is an HMAC of a fixed label under a key derived from the
-- secret: it says nothing about any person, and cannot be turned back into the secret.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BLOB NOT NULL CHECK (length(value) = 32)
) STRICT;
