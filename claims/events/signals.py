"""Signals of the change record."""

import django.dispatch

# Sent with `change=<Change>` right after a Change row is inserted, inside the writer's transaction:
# a receiver that writes rows (webhook deliveries: the outbox) writes them in the same transaction,
# and an exception it raises rolls the whole change back.
change_recorded = django.dispatch.Signal()
