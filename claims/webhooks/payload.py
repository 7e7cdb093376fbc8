"""The `data` of a delivered event: the record as the change feed shows it."""


def record_data(event_type: str, subject: str):
    """The changed record as its detail endpoint shows it, or None once it is deleted."""
    # TODO(feed): the feed's own renderer, once claims.events has it.
    return None
