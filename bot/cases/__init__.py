"""Anonymous cases: identifiers, storage (SQLite) and the outbox that relays hashes."""
