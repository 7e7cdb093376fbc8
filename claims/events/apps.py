from django.apps import AppConfig


class EventsConfig(AppConfig):
    """The change record (claims.events): the model, the hook that fills it, and the signal it sends."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims.events"
    label = "events"
    verbose_name = "Changes"

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from claims.events import recording

        # One hook that every write path passes: each revision simple-history records (dispatch_uid: once).
        post_create_historical_record.connect(recording.record_change, dispatch_uid="claims.events.record_change")
