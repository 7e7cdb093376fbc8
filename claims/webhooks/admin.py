"""Webhooks in the admin: subscriptions (your own; a superuser's, everyone's) and their deliveries,
each with its attempts, replayed from the list. Who may: the webhook permissions (claims.roles)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html
from django_tasks_db.models import DBTaskResult

from claims.admin.base import AdminFieldsMixin
from claims.admin.forms import VersionedForm
from claims.webhooks import services
from claims.webhooks.api import EVENT_TYPES
from claims.webhooks.models import Attempt, Delivery, DeliveryStatus, Subscription
from claims.webhooks.ssrf import UnsafeURL, check_url

# The task library's own page of task rows: its tasks are our deliveries, shown (with their attempts) and
# replayed below; a page that edits or deletes the rows behind them would only let them go out of step.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


class SubscriptionForm(VersionedForm):
    """The URL is checked as the API checks it (a public address, after DNS); event types from a list."""

    url = forms.URLField(
        max_length=2000, assume_scheme="https", help_text=Subscription._meta.get_field("url").help_text
    )
    event_types = forms.MultipleChoiceField(
        choices=[(value, value) for value in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text='"kind.*" is every change to that kind of record.',
    )

    class Meta:
        model = Subscription
        fields = ["url", "event_types", "topic", "source", "status", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except UnsafeURL as exc:
            raise forms.ValidationError(str(exc), code="unsafe_url") from None
        return url

    def clean_event_types(self):
        return sorted(set(self.cleaned_data["event_types"]))


class OwnedBySubscriptionMixin:
    """A user sees and manages their own subscriptions' rows; a superuser, everyone's."""

    owner_path = "owner"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(**{self.owner_path: request.user})


@admin.register(Subscription)
class SubscriptionAdmin(OwnedBySubscriptionMixin, AdminFieldsMixin, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "owner", "active", "consecutive_failures", "disabled_reason", "updated_at"]
    list_filter = ["active"]
    list_select_related = ["owner"]
    search_fields = ["url"]
    autocomplete_fields = ["topic", "source"]
    readonly_fields = ["owner", "secret", "disabled_reason", "consecutive_failures", "created_at", "updated_at"]
    actions = ["rotate_secret"]

    def get_readonly_fields(self, request, obj=None):
        # The secret exists once saved (the server makes it); the owner reads it here to set up the receiver.
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
            obj.save()
            return
        if not form.has_changed():
            return
        fields = {name for name in form.changed_data if name != "loaded_version"}
        if "active" in fields and obj.active:
            # Switched on again: the count of failures starts over.
            obj.consecutive_failures, obj.disabled_reason = 0, ""
            fields |= {"consecutive_failures", "disabled_reason"}
        # Only what the form changed: the worker's count of failures is saved beside it.
        obj.save(update_fields=[*fields, "updated_at"])

    def get_deleted_objects(self, objs, request):
        # A subscription's deliveries and attempts go with it (its log), though no one deletes them on their
        # own: the permission to delete the subscription is the one that counts.
        deleted, counts, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    @admin.action(description="Give the selected subscriptions new secrets", permissions=["change"])
    def rotate_secret(self, request, queryset):
        with transaction.atomic():
            for subscription in queryset:
                services.subscription_rotate_secret(subscription=subscription)
        self.message_user(request, f"{queryset.count()} new secret(s): read each on its page.", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["number", "started_at", "status_code", "latency_ms", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(OwnedBySubscriptionMixin, admin.ModelAdmin):
    """Deliveries are the worker's to write: read, and replayed, here."""

    owner_path = "subscription__owner"
    list_display = ["id", "event_type", "subject", "subscription", "status", "attempt_count", "next_attempt_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["subscription"]
    readonly_fields = [
        "webhook_header",
        "subscription",
        "change_id",
        "event_type",
        "subject",
        "event_time",
        "status",
        "attempt_count",
        "replayed_after",
        "next_attempt_at",
        "created_at",
        "finished_at",
    ]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay"]

    @admin.display(description="webhook-id")
    def webhook_header(self, delivery):
        return format_html("<code>msg_{}</code>", delivery.webhook_id.hex)

    # The subscription's permissions decide: a delivery is part of it.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("webhooks.view_subscription")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_change_permission(self, request, obj=None):
        # The list's replay action needs it; a delivery's own page is read-only.
        return obj is None and request.user.has_perm("webhooks.change_subscription")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Replay the selected deliveries (delivered or failed)", permissions=["change"])
    def replay(self, request, queryset):
        replayed = services.deliveries_replay(deliveries=queryset.exclude(status=DeliveryStatus.PENDING))
        self.message_user(request, f"{replayed} deliveries queued again.", messages.SUCCESS)
