"""The conversation engine: pure functions from (session, event) to (session, effects).

Nothing in this package performs I/O or imports an I/O library; a meta-test enforces it.
"""
