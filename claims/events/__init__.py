"""The change record (claims.events): one entry per create, update and delete of every kind of record.

Every write that keeps revision history (claims.history.RecordedHistory) also writes a `Change`, in the
writer's transaction; the change feed (GET /api/changes/), webhooks and conditional reads are built on it.
See docs/changes-and-webhooks.md.
"""
