-- Schema 0001: conversation sessions, anonymous cases, their hashes, the relay outbox and the
-- guards against PIN guessing.
--
-- Belongs in migration files: schema changes only, forward-only, numbered NNNN_name.sql. They
-- hold no BEGIN or COMMIT: the store runs each file in one transaction together with its
-- schema_version row (the store creates that table itself). Data fixes that need Python do not
-- belong here.
--
-- Nothing in this database may identify a person: no chat or user ids, usernames, phone
-- numbers or message text, and no precise times on cases (UTC dates only, YYYY-MM-DD).

-- Conversation state. The key is an HMAC of the platform chat id computed by the caller, so a
-- stolen database cannot be joined with the platform's users.
CREATE TABLE sessions (
    key TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at REAL NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per case. The PIN is never stored, only scrypt(HMAC-SHA256(pepper, PIN), salt), with
-- the scrypt cost it was made with so that the cost can be raised later for new cases.
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE CHECK (length(number) = 16),
    pin_salt BLOB NOT NULL,
    pin_hash BLOB NOT NULL,
    pin_scrypt_n INTEGER NOT NULL CHECK (pin_scrypt_n >= 2),
    route TEXT NOT NULL CHECK (route <> ''),
    state TEXT NOT NULL CHECK (state IN ('open', 'withdrawn')),
    created_on TEXT NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    withdrawn_on TEXT
        CHECK (withdrawn_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK ((state = 'withdrawn') = (withdrawn_on IS NOT NULL))
) STRICT;

-- The hashes of each file in a case, one row per (file, signal). When a case is withdrawn its
-- rows are marked and their values cleared: the values then live only in the withdrawal's
-- outbox payload, which is itself cleared once delivered.
CREATE TABLE case_hashes (
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL CHECK (item_index >= 0),
    item_kind TEXT NOT NULL CHECK (item_kind IN ('image', 'file')),
    signal TEXT NOT NULL CHECK (signal <> ''),
    value TEXT,
    withdrawn INTEGER NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1)),
    PRIMARY KEY (case_id, item_index, signal),
    CHECK (withdrawn = 1 OR value IS NOT NULL)
) STRICT;

-- Messages for the relay worker, in id order. A payload exists only while the entry is queued:
-- delivering or cancelling an entry clears it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'withdraw')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'cancelled')),
    payload TEXT,
    queued_on TEXT NOT NULL,
    delivered_on TEXT,
    delivered_via TEXT,
    CHECK ((state = 'queued') = (payload IS NOT NULL)),
    CHECK ((state = 'delivered') = (delivered_on IS NOT NULL))
) STRICT;
CREATE INDEX outbox_by_case ON outbox (case_id);
CREATE INDEX outbox_queued ON outbox (id) WHERE state = 'queued';
-- At most one withdrawal per case, whatever the callers do.
CREATE UNIQUE INDEX outbox_one_withdrawal ON outbox (case_id) WHERE kind = 'withdraw';

-- Wrong PINs per case, kept for at most an hour. Nothing here says who tried.
CREATE TABLE pin_failures (
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    failed_at REAL NOT NULL
) STRICT;
CREATE INDEX pin_failures_by_case ON pin_failures (case_id);
CREATE INDEX pin_failures_by_time ON pin_failures (failed_at);

-- Cases locked after too many wrong PINs, until the given Unix time.
CREATE TABLE case_locks (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    locked_until REAL NOT NULL
) STRICT;
