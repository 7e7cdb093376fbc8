"""Admin forms and widgets: version-checked saves, verdict-status rule, input that cannot 500."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format

from claims import history, services
from claims.models import (
    TRANSLATION_KEYS,
    TRANSLATIONS_MAX,
    ClaimStatus,
    TranslationKind,
    check_translations,
    is_id,
    validate_aliases,
)
from claims.translations import RTL_LANGUAGES, direction


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
        value = [v for v in value if is_id(v)]
        if value:
            return super().optgroups(name, value, attr)
        # Nothing chosen: what Django's optgroups gives, without building the query for the chosen
        # sources, which matches nothing and took 0.5 ms to compile (112 such widgets on the
        # extraction review of a long article, one in each empty inline row of the claim form).
        default = (None, [], 0)
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        return [default]


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
        if "translations" in self.fields:
            # Beside the translations: the original as saved (the fields above hold any unsaved edit).
            claim = self.instance
            self.fields["translations"].widget.original = (
                {"language": claim.language, "text": claim.text, "quote": claim.quote} if claim.pk else None
            )
            # A translation into the claim's own language is refused with the other faults of the rows, named
            # by the row (the model refuses it too).
            self.fields["translations"].claim_language = (
                self.data.get(self.add_prefix("language")) if self.is_bound else claim.language
            )

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


class TranslationsWidget(forms.Widget):
    """A claim's translations as rows of inputs beside its original, one row a translation and one blank to add.

    The inputs are `<name>-<i>-<key>` (language, text, quote, kind, by, DELETE) and `<name>-TOTAL`; the
    rows are drawn from the posted values when a save is refused, so nothing typed is lost. Each text is
    shown in its language's direction (claims.translations.direction); translations.js turns it when the
    language is changed.
    """

    template_name = "admin/claims/claim/translations_widget.html"
    # Rows a POST may claim: every translation a claim may have, and the blank one.
    MAX_ROWS = TRANSLATIONS_MAX + 1

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.original = None  # {"language", "text", "quote"}: set by the form, shown beside the translations
        self.row_errors = {}  # {row index: {key or "": message}}: set by the field when it refuses rows

    def value_from_datadict(self, data, files, name):
        try:
            total = int(data.get(f"{name}-TOTAL", ""))
        except ValueError:
            return None  # the rows were not sent: see TranslationsFormField.clean
        rows = []
        for index in range(max(0, min(total, self.MAX_ROWS))):
            row = {key: data.get(f"{name}-{index}-{key}", "") for key in TRANSLATION_KEYS}
            row["DELETE"] = data.get(f"{name}-{index}-DELETE") in ("on", "1", "true")
            rows.append(row)
        return rows

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-TOTAL" not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [dict(row) for row in (value if isinstance(value, list) else []) if isinstance(row, dict)]
        if not rows or any(str(rows[-1].get(key, "")).strip() for key in ("language", "text", "quote", "by")):
            rows.append({"language": "", "text": "", "quote": "", "kind": TranslationKind.HUMAN, "by": ""})
        for index, row in enumerate(rows):
            row["index"] = index
            row["number"] = index + 1
            row["dir"] = direction(row.get("language", ""))
            row["errors"] = self.row_errors.get(index, {})
        original = self.original or {}
        context["widget"].update(
            rows=rows,
            total=len(rows),
            kinds=TranslationKind.choices,
            original={**original, "dir": direction(original.get("language", ""))} if original else None,
            rtl_languages=" ".join(sorted(RTL_LANGUAGES)),
        )
        return context


class TranslationsFormField(forms.Field):
    """The translations an editor sees and edits on the claim page: rows marked for deletion and blank rows
    left out, the rest checked by claims.translations' rules; each error names the row and the field."""

    widget = TranslationsWidget

    def __init__(self, **kwargs):
        for name in ("encoder", "decoder", "max_length"):
            kwargs.pop(name, None)
        kwargs["required"] = False
        # The model field's callable default would add a hidden copy of the initial value, which Django then
        # reads back as text: the form would always look changed.
        kwargs["show_hidden_initial"] = False
        super().__init__(**kwargs)
        self.claim_language = None  # the claim's language, when the form knows it

    @staticmethod
    def kept_rows(value) -> list[tuple[int, dict]]:
        """(row index, translation) for the rows kept: not deleted, not blank."""
        if not isinstance(value, list):
            return []
        kept = []
        for index, row in enumerate(value):
            if row.get("DELETE") or not any(str(row.get(key, "")).strip() for key in ("language", "text", "quote")):
                continue
            item = {key: row.get(key, "") for key in TRANSLATION_KEYS}
            # Typed into a one-line input: spaces around a code or a name are slips, not content.
            item["language"], item["by"] = item["language"].strip(), item["by"].strip()
            kept.append((index, item))
        return kept

    def clean(self, value):
        if value is None:
            # A form posted without the rows (a script's, an older page's): the translations are not being
            # edited, and the model form keeps the claim's own (construct_instance skips an omitted field).
            return []
        kept = self.kept_rows(value)
        _, errors = check_translations([item for _, item in kept], claim_language=self.claim_language)
        if errors:
            self.widget.row_errors, messages = {}, []
            for path, (message, _code) in errors.items():
                position, _, key = path.partition(".")
                if not position:
                    messages.append(message)
                    continue
                index, item = kept[int(position)]
                self.widget.row_errors.setdefault(index, {})[key] = message
                messages.append(f"{translation_label(index, item)}, {key or 'row'}: {message}")
            raise ValidationError(messages, code="invalid")
        return [item for _, item in kept]

    def has_changed(self, initial, data):
        if data is None:
            return False
        try:
            return self.clean(data) != (initial or [])
        except ValidationError:
            return True


def translation_label(index: int, item: dict) -> str:
    """'Translation 2 (ar)': a row as the page numbers it."""
    language = str(item.get("language", "")).strip()
    return f"Translation {index + 1}" + (f" ({language})" if language else "")
