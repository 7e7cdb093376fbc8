"""The editors' admin: every record can be entered, found, reviewed and traced here.

Every change form carries the record's version; a save from a page opened before
someone else's save is refused with a message and the editor's input kept (see
`claims.versioning`). Every admin keeps revision history with field differences
(django-simple-history).
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from claims import history, selectors, services
from claims.diagram import format_claim_date, thread_svg
from claims.models import Article, Claim, ClaimLink, ClaimStatus, Review, Source, Topic, validate_aliases
from claims.versioning import VersionConflict


def conflict_message(instance) -> str:
    """Who changed the record since the editor opened it, and what to do."""
    latest = history.history_queryset(type(instance), instance.pk).first()
    who = ""
    if latest is not None:
        user = latest.history_user.username if latest.history_user else "someone"
        who = f" by {user} on {date_format(latest.history_date, 'DATETIME_FORMAT')}"
    return (
        f"This {instance._meta.verbose_name} was changed{who} after you opened it, so your changes were not "
        "saved. They are still in the form: copy what you need, reload the page to see the other change, "
        "and apply yours again."
    )


MAX_ID = 2**63 - 1
_ID = re.compile(r"^\d{1,19}$")


def _valid_id(value) -> bool:
    return bool(_ID.match(str(value))) and int(value) <= MAX_ID


class SafeAutocompleteMixin:
    """Admin autocomplete widgets that survive crafted input.

    Django's widgets pass submitted values straight to queries when the form is shown
    again with errors: `abc` raises ValueError and a number past 64 bits an
    OverflowError on SQLite, both 500s. Values that cannot be ids are replaced by a
    marker the form field reports as an invalid choice, and left out when redrawn.
    """

    INVALID = "invalid"

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if isinstance(value, list):
            return [v if v in ("", None) or _valid_id(v) else self.INVALID for v in value]
        return value if value in ("", None) or _valid_id(value) else self.INVALID

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if _valid_id(v)], attr)


class SafeAutocompleteSelect(SafeAutocompleteMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(SafeAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class AliasesField(forms.CharField):
    """Aliases edited one per line, stored as a list (the API takes the same list as JSON)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs["help_text"] = "One name per line: other spellings, abbreviations, names in other scripts."
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate(self, value):
        super().validate(value)
        validate_aliases(value)

    def run_validators(self, value):
        # CharField's validators (max length, no NUL) apply to each alias.
        for alias in value:
            super().run_validators(alias)


class AdminFieldsMixin:
    """Form fields shared by every admin page and inline: safe autocompletes, aliases, https URLs."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}, models.JSONField: {"form_class": AliasesField}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class VersionedForm(forms.ModelForm):
    """A model form that refuses to save over a change made since it was opened."""

    # Not "version": the model field of that name is not editable, and admin forms refuse such names.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            rows = type(self.instance)._base_manager.filter(pk=self.instance.pk)
            if transaction.get_connection().in_atomic_block:
                rows = rows.select_for_update()  # holds other editors' saves until ours commits
            current = rows.values_list("version", flat=True).first()
            posted = cleaned.get("loaded_version")
            if posted is None or posted != current:
                raise ValidationError(conflict_message(self.instance), code="stale")
            # The save then checks this same version in its UPDATE statement.
            self.instance.version = posted
        return cleaned


class ModelAdmin(AdminFieldsMixin, SimpleHistoryAdmin):
    """Base admin: version-checked forms, read-only revision history, safe form fields."""

    form = VersionedForm

    def history_view(self, request, object_id, extra_context=None):
        if not _valid_id(object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # History is read-only here: a revert would bypass version checks and the verdict rule
        # (SIMPLE_HISTORY_REVERT_DISABLED only hides the button, the view still saves a POST).
        if request.method != "GET":
            raise PermissionDenied("History is read-only; change the record itself to revert it.")
        if not (_valid_id(object_id) and _valid_id(version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except VersionConflict:
            # Another save landed between our check and our write (possible on SQLite, which has no
            # row locks). The transaction rolled back; validating again reports the conflict on the form.
            return super().changeform_view(request, object_id, form_url, extra_context)


class VersionedInline(AdminFieldsMixin):
    form = VersionedForm


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no list filter over a condition from `claims.selectors`."""

    yes_label = no_label = ""

    @staticmethod
    def condition(yes: bool):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(self.condition(self.value() == "yes"))
        return queryset


class HasDenialFilter(YesNoFilter):
    title, parameter_name = "denial", "has_denial"
    yes_label, no_label = "Denied by another claim", "Not denied"
    condition = staticmethod(selectors.claims_with_denial)


class HasReviewFilter(YesNoFilter):
    title, parameter_name = "review", "has_review"
    yes_label, no_label = "Reviewed", "Not reviewed"
    condition = staticmethod(selectors.claims_with_review)


@admin.register(Source)
class SourceAdmin(ModelAdmin):
    list_display = ["name", "slug", "kind", "role", "affiliation", "country", "claim_count"]
    list_filter = ["kind", "country"]
    list_select_related = ["affiliation"]
    search_fields = ["name", "slug", "description", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["affiliation"]

    def get_queryset(self, request):
        return selectors.source_list()

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


@admin.register(Article)
class ArticleAdmin(ModelAdmin):
    list_display = ["title", "publisher", "published_on", "dateline", "language"]
    list_filter = ["published_on", "language"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "dateline", "publisher__name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published_on"


@admin.register(Topic)
class TopicAdmin(ModelAdmin):
    list_display = ["name", "slug", "kind", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return selectors.topic_list()

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj):
        return obj.claim_count


class LinkOutInline(VersionedInline, admin.TabularInline):
    """Links where this claim is the subject: 'this claim denies X'."""

    model = ClaimLink
    fk_name = "from_claim"
    fields = ["relation", "to_claim", "note", "loaded_version"]
    autocomplete_fields = ["to_claim"]
    extra = 0
    verbose_name = "link: this claim … another claim"
    verbose_name_plural = "links: this claim … other claims"


class LinkInInline(VersionedInline, admin.TabularInline):
    """Links where this claim is the object: 'Y denies this claim'."""

    model = ClaimLink
    fk_name = "to_claim"
    fields = ["from_claim", "relation", "note", "loaded_version"]
    autocomplete_fields = ["from_claim"]
    extra = 0
    verbose_name = "link: another claim … this claim"
    verbose_name_plural = "links: other claims … this claim"


class ReviewInline(VersionedInline, admin.StackedInline):
    model = Review
    fields = ["rating", "summary", "url", "reviewed_on", "reviewer", "loaded_version"]
    readonly_fields = ["reviewer"]
    extra = 0


class ClaimAdminForm(VersionedForm):
    """The claim form: only senior editors may set or lift a verdict status."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        may_set_final = user is None or user.has_perm(services.FINAL_STATUS_PERMISSION)
        if "status" in self.fields and not may_set_final and self.instance.status not in services.FINAL_STATUSES:
            self.fields["status"].choices = [
                (value, label) for value, label in ClaimStatus.choices if value not in services.FINAL_STATUSES
            ]
            self.fields["status"].help_text = "Confirmed and refuted are set by senior editors."

    def clean_status(self):
        status = self.cleaned_data["status"]
        old = self.instance.status if self.instance.pk else None
        if self.user is not None and not services.claim_status_change_allowed(self.user, old, status):
            raise ValidationError(services.FINAL_STATUS_MESSAGE)
        return status


@admin.register(Claim)
class ClaimAdmin(ModelAdmin):
    form = ClaimAdminForm
    change_form_template = "admin/claims/claim/change_form.html"
    list_display = ["id", "short_text", "status", "source", "via", "claimed_on", "article", "denial_count"]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "status",
        "source__kind",
        ("topics", admin.RelatedOnlyFieldListFilter),
        HasDenialFilter,
        HasReviewFilter,
        "claimed_on_precision",
        "language",
    ]
    list_select_related = ["source", "via", "article"]
    search_fields = ["text", "quote", "source__name", "article__title"]
    date_hierarchy = "claimed_on"
    autocomplete_fields = ["source", "speaker", "via", "article", "topics"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["text", "quote", "language", "status", "loaded_version"]}),
        ("Attribution", {"fields": ["source", "speaker", "via", "article", "claimed_on", "claimed_on_precision"]}),
        ("Topics", {"fields": ["topics"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [LinkOutInline, LinkInInline, ReviewInline]
    actions = ["mark_disputed", "mark_unverified", "mark_retracted", "mark_confirmed", "mark_refuted"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(denial_count=selectors.denial_count())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class FormForUser(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return FormForUser

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "topics":
            # Django's admin skips many-to-many fields with their own through model. Ours (ClaimTopic)
            # has no columns of its own, so the ordinary widget and `.set()` work; admin.E013 is silenced.
            kwargs.setdefault(
                "widget", SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(self._thread_context(claim) if claim else {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _thread_context(self, claim):
        thread = selectors.claim_thread(claim)
        by_id = {c.pk: c for c in thread.claims}

        def url_for(c):
            return reverse("admin:claims_claim_change", args=[c.pk])

        rows = [
            {
                "claim": c,
                "url": url_for(c),
                "date": format_claim_date(c.claimed_on, c.claimed_on_precision),
                "current": c.pk == claim.pk,
            }
            for c in thread.claims
        ]
        links = [
            {"link": link, "from": by_id[link.from_claim_id], "to": by_id[link.to_claim_id]} for link in thread.links
        ]
        svg = thread_svg(thread.claims, thread.links, current_id=claim.pk, url_for=url_for)
        return {
            "thread_rows": rows,
            "thread_links": links,
            "thread_truncated": thread.truncated,
            # thread_svg escapes every piece of text it draws.
            "thread_svg": mark_safe(svg) if svg else None,
        }

    @admin.display(description="claim", ordering="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 90 else obj.text[:87] + "..."

    @admin.display(description="denials", ordering="denial_count")
    def denial_count(self, obj):
        return obj.denial_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Review) and instance.reviewer_id is None:
                instance.reviewer = request.user
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()

    def has_set_final_status_permission(self, request):
        return request.user.has_perm(services.FINAL_STATUS_PERMISSION)

    def _set_status(self, request, queryset, status):
        label = ClaimStatus(status).label.lower()
        try:
            changed = services.claims_set_status(
                claims=queryset.select_related(None),
                status=status,
                user=request.user,
                reason=f"Bulk action: mark as {label}",
            )
        except PermissionDenied as exc:
            self.message_user(request, f"Nothing changed: {exc}", messages.ERROR)
        except VersionConflict as exc:
            self.message_user(request, f"Nothing changed: {exc} Reload and try again.", messages.ERROR)
        else:
            self.message_user(request, f"{changed} claim(s) marked as {label}.", messages.SUCCESS)

    @admin.action(description="Mark selected claims as disputed", permissions=["change"])
    def mark_disputed(self, request, queryset):
        self._set_status(request, queryset, ClaimStatus.DISPUTED)

    @admin.action(description="Mark selected claims as unverified", permissions=["change"])
    def mark_unverified(self, request, queryset):
        self._set_status(request, queryset, ClaimStatus.UNVERIFIED)

    @admin.action(description="Mark selected claims as retracted", permissions=["change"])
    def mark_retracted(self, request, queryset):
        self._set_status(request, queryset, ClaimStatus.RETRACTED)

    @admin.action(description="Mark selected claims as confirmed", permissions=["set_final_status"])
    def mark_confirmed(self, request, queryset):
        self._set_status(request, queryset, ClaimStatus.CONFIRMED)

    @admin.action(description="Mark selected claims as refuted", permissions=["set_final_status"])
    def mark_refuted(self, request, queryset):
        self._set_status(request, queryset, ClaimStatus.REFUTED)


@admin.register(ClaimLink)
class ClaimLinkAdmin(ModelAdmin):
    list_display = ["id", "from_claim", "relation", "to_claim"]
    list_filter = ["relation"]
    list_select_related = ["from_claim__source", "to_claim__source"]
    search_fields = ["from_claim__text", "to_claim__text", "note"]
    autocomplete_fields = ["from_claim", "to_claim"]


@admin.register(Review)
class ReviewAdmin(ModelAdmin):
    list_display = ["id", "claim", "rating", "reviewer", "reviewed_on"]
    list_filter = ["rating", "reviewed_on"]
    list_select_related = ["claim__source", "reviewer"]
    search_fields = ["claim__text", "summary"]
    autocomplete_fields = ["claim"]
    readonly_fields = ["reviewer"]
    date_hierarchy = "reviewed_on"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.reviewer = request.user
        super().save_model(request, obj, form, change)


class UserAdmin(DjangoUserAdmin):
    """Users who authored revisions cannot be deleted, only deactivated: their name stays on their changes."""

    def has_delete_permission(self, request, obj=None):
        if obj is not None and any(
            model.history.filter(history_user=obj).exists()
            for model in (Source, Article, Topic, Claim, ClaimLink, Review)
        ):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, so the check above applies
        return actions


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
