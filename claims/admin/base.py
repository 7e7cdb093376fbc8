"""What every admin page shares: safe form fields, version checks, read-only history, yes/no filters."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from claims import search, selectors
from claims.admin.forms import (
    AliasesField,
    SafeAutocompleteSelect,
    SafeAutocompleteSelectMultiple,
    VersionedForm,
)
from claims.admin.scale import LargeTablePaginator
from claims.models import TRANSLATION_KEYS, is_id
from claims.versioning import VersionConflict


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


class HistoryDisplay(HistoricalRecordContextHelper):
    """The history page's differences, with a list of objects (a claim's translations) shown as text to read:
    `ar: text | quote | human | Our desk`, not Python's `[{'language': 'ar', ...}]`."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            return "; ".join(_item_text(item) for item in value)
        return value


def _item_text(item: dict) -> str:
    # A translation's keys in their usual order: jsonb keeps its own (shortest key first).
    keys = sorted(
        item, key=lambda key: TRANSLATION_KEYS.index(key) if key in TRANSLATION_KEYS else len(TRANSLATION_KEYS)
    )
    first, *rest = [str(item[key]) for key in keys if item[key] not in ("", None)] or [""]
    return f"{first}: {' | '.join(rest)}" if rest else first


class ModelAdmin(AdminFieldsMixin, SimpleHistoryAdmin):
    """Base admin: version-checked forms, read-only revision history, safe form fields."""

    form = VersionedForm
    # Counts and pages that stay fast at a million rows (claims.admin.scale); no second, unfiltered count.
    paginator = LargeTablePaginator
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        # An unchanged form saves nothing: no empty revision, and other editors' open pages stay current.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def get_changelist_instance(self, request):
        # Django answers a malformed date-hierarchy year with its "invalid parameters" page, but a year
        # past C's integer range (?claimed_on__year=99999999999999999999) escapes as an OverflowError: a 500.
        try:
            return super().get_changelist_instance(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_search_results(self, request, queryset, search_term):
        # SQLite refuses a LIKE pattern over 50,000 bytes, which would be reported as the database failing.
        return super().get_search_results(request, queryset, search_term[: search.MAX_QUERY_LENGTH])

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryDisplay(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        if not is_id(object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # History is read-only here: a revert would bypass version checks and the verdict rule
        # (SIMPLE_HISTORY_REVERT_DISABLED only hides the button, the view still saves a POST).
        if request.method != "GET":
            raise PermissionDenied("History is read-only; change the record itself to revert it.")
        if not (is_id(object_id) and is_id(version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except VersionConflict:
            # Another save landed between our check and our write (possible on SQLite, which has no
            # row locks). The transaction rolled back; validating again reports the conflict on the form.
            return super().changeform_view(request, object_id, form_url, extra_context)


# The most forms an inline builds, whatever a POST's TOTAL_FORMS claims. Django's own cap is 2,000, and
# building that many link forms took about 14 s a request; no claim has near 200 links or reviews.
MAX_INLINE_FORMS = 200


class VersionedInline(AdminFieldsMixin):
    form = VersionedForm
    max_num = MAX_INLINE_FORMS

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", MAX_INLINE_FORMS)
        return super().get_formset(request, obj, **kwargs)


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
