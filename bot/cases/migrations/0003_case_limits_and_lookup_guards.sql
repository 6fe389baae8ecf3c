-- Schema 0002: guards against guessing that keep only the hour, and limits on opening cases.
--
-- The per-case lockout of 0001 counted wrong PINs with precise times, answered "locked" only
-- for numbers that exist, and let anyone who knew a number keep its owner out. It is replaced
-- by guards per typed number (whether or not a case has it) and per chat; see lockout.py.

DROP TABLE pin_failures;
DROP TABLE case_locks;

-- Wrong tries per keyed hash of a typed case number, or of a chat (its session key). Times are
-- hour numbers (Unix time // 3600), never finer. A row is forgotten a while after its last try.
CREATE TABLE lookup_guards (
    tag BLOB PRIMARY KEY CHECK (length(tag) = 32),
    failures INTEGER NOT NULL CHECK (failures >= 0),
    wait_until_hour INTEGER NOT NULL,
    last_hour INTEGER NOT NULL
) STRICT;
CREATE INDEX lookup_guards_by_hour ON lookup_guards (last_hour);

-- Cases opened per period: per chat per UTC day (tag: keyed hash of the session key, which
-- survives /forget) and in total per UTC hour (tag: the single byte 0x2a). Periods are
-- 'YYYY-MM-DD' or 'YYYY-MM-DDTHH'; rows of past days are dropped.
CREATE TABLE case_quotas (
    tag BLOB NOT NULL,
    period TEXT NOT NULL,
    opened INTEGER NOT NULL CHECK (opened >= 0),
    PRIMARY KEY (tag, period)
) STRICT;
