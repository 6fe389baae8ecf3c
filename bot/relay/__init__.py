"""Delivery to partners: the outbox read by the relay, the hash-exchange feed, push sinks.

``dispatch.py`` turns outbox entries into feed records and push jobs; ``records.py`` holds the
pure mapping from an entry's payload to what partners receive. The feed's paging, the partner
API server, the push sinks and their workers each live in their own module here.
"""
