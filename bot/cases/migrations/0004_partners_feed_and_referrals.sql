-- Schema 0004: partners, the hash-exchange feed, push deliveries, feedback, and helplines'
-- referral codes.
--
-- The relay turns each outbox entry into feed records (for partners who fetch) and push jobs
-- (for partners Reclaim sends to), in one transaction, then marks the entry delivered, which
-- clears its payload (bot/relay/dispatch.py). Nothing here identifies a person. Dates are UTC
-- dates; the only finer times are the feed's change times, rounded down to the hour, and a
-- push job's next try, which exists only while the job is waiting.

-- Partners who fetch the feed ("reclaim partner add"). Their keys are stored only as HMACs
-- under a key derived from the server secret; revoking keeps the row (its name stays taken).
CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (name <> ''),
    base_path TEXT NOT NULL CHECK (base_path GLOB '/*' OR base_path = ''),
    function_key_hash BLOB NOT NULL UNIQUE CHECK (length(function_key_hash) = 32),
    subscription_key_hash BLOB NOT NULL CHECK (length(subscription_key_hash) = 32),
    created_on TEXT NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    revoked_on TEXT
        CHECK (revoked_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT;

-- The feed: one snapshot per (signal type, hash value), as the StopNCII API serves them. A
-- change gives the record the next seq and the current hour as its change time, so it moves
-- to the end of the feed; pages are read in (modified, seq) order.
CREATE TABLE feed_records (
    id INTEGER PRIMARY KEY,
    signal_type TEXT NOT NULL CHECK (signal_type IN ('ImagePDQ', 'VideoMD5')),
    hash_value TEXT NOT NULL CHECK (hash_value <> ''),
    status TEXT NOT NULL CHECK (status IN ('Active', 'Withdrawn')),
    modified INTEGER NOT NULL CHECK (modified >= 0 AND modified % 3600 = 0),
    seq INTEGER NOT NULL UNIQUE,
    UNIQUE (signal_type, hash_value)
) STRICT;
CREATE INDEX feed_records_by_change ON feed_records (modified, seq);

-- Which cases hold each feed record, and whether each still wants it.
CREATE TABLE feed_members (
    record_id INTEGER NOT NULL REFERENCES feed_records (id) ON DELETE CASCADE,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('Active', 'Withdrawn')),
    PRIMARY KEY (record_id, case_id)
) STRICT;
CREATE INDEX feed_members_by_case ON feed_members (case_id);

-- What each partner has of each case, by its public name: for a feed partner, "delivered"
-- once a fetch returned the case's records; for a push partner, once the sink accepted them.
CREATE TABLE deliveries (
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    partner TEXT NOT NULL CHECK (partner <> ''),
    state TEXT NOT NULL
        CHECK (state IN ('queued', 'delivered', 'withdraw_queued', 'withdrawn', 'failed')),
    updated_on TEXT NOT NULL
        CHECK (updated_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    PRIMARY KEY (case_id, partner)
) STRICT;

-- Work for push partners (sinks named in the settings file), one job per sink and outbox
-- entry. The payload is the JSON the sink needs and is cleared once the job is done.
CREATE TABLE push_jobs (
    id INTEGER PRIMARY KEY,
    sink TEXT NOT NULL CHECK (sink <> ''),
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'withdraw')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'cancelled', 'dead')),
    payload TEXT,
    idempotency_key TEXT NOT NULL UNIQUE,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt REAL NOT NULL DEFAULT 0,
    queued_hour INTEGER NOT NULL,
    done_on TEXT CHECK (done_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    CHECK ((state IN ('queued', 'dead')) = (payload IS NOT NULL)),
    CHECK ((state = 'queued') OR (next_attempt = 0))
) STRICT;
CREATE INDEX push_jobs_due ON push_jobs (sink, next_attempt) WHERE state = 'queued';
CREATE INDEX push_jobs_by_case ON push_jobs (case_id);

-- What a push partner gave back for a delivered hash, for example HMA's content id, needed to
-- take the hash back when the case is withdrawn.
CREATE TABLE push_refs (
    sink TEXT NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    item_index INTEGER NOT NULL,
    signal TEXT NOT NULL,
    ref TEXT NOT NULL,
    PRIMARY KEY (sink, case_id, item_index, signal)
) STRICT;

-- Partners' answers about a case's hashes: the latest answer per partner and feed record, so
-- the same answer sent twice counts once.
CREATE TABLE case_feedback (
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    partner TEXT NOT NULL CHECK (partner <> ''),
    record_id INTEGER NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('PendingReview', 'Blocked', 'NotBlocked')),
    updated_on TEXT NOT NULL
        CHECK (updated_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    PRIMARY KEY (case_id, partner, record_id)
) STRICT;

-- Signatures of match reports already accepted, kept for the replay window only.
CREATE TABLE seen_reports (
    tag BLOB PRIMARY KEY CHECK (length(tag) = 32),
    expires_at INTEGER NOT NULL
) STRICT;

-- Helplines that refer people ("reclaim helpline add"): the code goes in a /start link.
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (name <> ''),
    code TEXT NOT NULL UNIQUE CHECK (code GLOB '[A-Za-z0-9_]*' AND length(code) BETWEEN 4 AND 60),
    lang TEXT,
    country TEXT CHECK (country IS NULL OR length(country) = 2),
    created_on TEXT NOT NULL
        CHECK (created_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
) STRICT;

-- Counts per referral code and ISO week ('YYYY-Www'), never per person.
CREATE TABLE referral_counts (
    code TEXT NOT NULL,
    week TEXT NOT NULL CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'),
    started INTEGER NOT NULL DEFAULT 0,
    opened INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    feedback INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (code, week)
) STRICT;

-- The referral code a case was opened under, if any, so withdrawals and feedback are counted
-- for the helpline too.
ALTER TABLE cases ADD COLUMN referral TEXT;
