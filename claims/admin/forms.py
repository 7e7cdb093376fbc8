"""Admin forms and widgets: version-checked saves, verdict-status rule, input that cannot 500."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format

from claims import history, services
from claims.models import ClaimStatus, is_id, validate_aliases


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
            return [v if v in ("", None) or is_id(v) else self.INVALID for v in value]
        return value if value in ("", None) or is_id(value) else self.INVALID

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if is_id(v)], attr)


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


class PlainTextField(forms.CharField):
    """Plain text as pasted, its line ends made "\n" as the API and `import_article` store them.

    Browsers send a textarea's line ends as "\r\n": kept, they would make the same article's
    offsets differ by the path it came in by, and every anchor into it with them.
    """

    def to_python(self, value):
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n")


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


class WikidataAdminForm(VersionedForm):
    """A source's or topic's form: a Wikidata id another record holds is an error on the field, naming it.

    The model's constraint would refuse it too, but as a form-wide "Constraint ... is violated".
    """

    def clean_wikidata(self):
        value = self.cleaned_data["wikidata"]
        model = self._meta.model
        holder = model._base_manager.filter(wikidata=value).exclude(pk=self.instance.pk).first() if value else None
        if holder is not None:
            raise ValidationError(
                f"{model._meta.verbose_name.capitalize()} “{holder}” (#{holder.pk}) already has this Wikidata id.",
                code="unique",
            )
        return value


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


class AppearanceAdminForm(VersionedForm):
    """An appearance of the claim in an article: anchored by position or by the passage's words, as in the API."""

    def clean(self):
        cleaned = super().clean()
        article = cleaned.get("article")
        if article is None or self.errors:
            return cleaned
        changed = {"article", "start", "end", "exact"} & set(self.changed_data)
        if not changed:
            return cleaned
        start, end, exact = cleaned.get("start"), cleaned.get("end"), cleaned.get("exact") or ""
        if self.instance.pk and "exact" not in self.changed_data and {"start", "end"} & set(self.changed_data):
            exact = ""  # a moved position reads its words from the text
        elif "exact" in self.changed_data and not {"start", "end"} & set(self.changed_data):
            start = end = None  # new words are looked for in the text
        anchor = services.appearance_anchor(article, start=start, end=end, exact=exact)
        for name, value in anchor.items():
            cleaned[name] = value
            setattr(self.instance, name, value)
        return cleaned
