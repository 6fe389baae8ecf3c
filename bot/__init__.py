"""Reclaim: a chat bot that helps people get intimate images taken down by relaying only hashes.

The package is laid out in layers (see README): ``engine`` is the pure conversation logic,
``hashes`` the hash types shared with the on-device ``companion``, ``cases`` the storage and
relay of anonymous cases, ``transports`` the thin platform adapters, and ``runtime`` the one
loop that joins them.
"""

__version__ = "0.1.0"
