"""The admin's review of extraction: an article's drafts, shown in its text, edited, then accepted.

GET runs extraction (claims.extraction.extract) over the article's body and writes nothing. The
page shows the text with each draft's span highlighted and numbered, beside a form per draft.
POST turns the forms back into drafts and hands them to `claims.extraction.accept.drafts_accept`,
the service the API uses: there is no second write path. Its errors come back on the form and
field they name, with everything the editor typed kept.
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorList, flatatt
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from claims import anchoring
from claims.admin.forms import SafeAutocompleteSelect, SafeAutocompleteSelectMultiple
from claims.extraction import accept, extract_from_record
from claims.models import Article, Claim, DatePrecision, LinkRelation, Source, SourceKind, Topic, is_id

ROLES = accept.ROLES
# Link rows a draft's form offers: its links and one spare. A POST says how many it rendered (by its
# field names), up to this many, so an edited form keeps every row the editor filled.
MAX_LINK_ROWS = 10
_LINK_FIELD = re.compile(r"-link_relation_(\d+)$")


class PlainHTMLWidget:
    """A widget written as HTML here, not through Django's widget templates (one template render each).

    The review page of a long article has some 700 of them (28 drafts of about 25 fields): through
    the templates they were most of its 410 ms (p50 at a million claims). The HTML is the templates'.
    """

    def render(self, name, value, attrs=None, renderer=None):
        autocomplete = isinstance(self, AutocompleteMixin)
        # A select's options are written from its choices below. Its own get_context would also make a
        # dictionary of each option for the template (2,154 of them on that page), to be thrown away;
        # an autocomplete's are the few chosen ones (its optgroups), the browser asking for the rest.
        plain_select = isinstance(self, forms.Select) and not autocomplete
        get_context = forms.Widget.get_context if plain_select else type(self).get_context
        widget = get_context(self, name, value, attrs)["widget"]
        html_attrs = flatatt(widget["attrs"])
        if isinstance(self, forms.Textarea):
            return format_html(
                '<textarea name="{}"{}>\n{}</textarea>', widget["name"], html_attrs, widget["value"] or ""
            )
        if isinstance(self, forms.Select):
            if autocomplete:
                options = (
                    (option["value"], flatatt(option["attrs"]), option["label"])
                    for _, group, _ in widget["optgroups"]
                    for option in group
                )
            else:
                chosen = set(widget["value"])
                options = (
                    (key, mark_safe(" selected") if str(key) in chosen else "", label) for key, label in self.choices
                )
            html_options = format_html_join("", '<option value="{}"{}>{}</option>', options)
            return format_html('<select name="{}"{}>{}</select>', widget["name"], html_attrs, html_options)
        shown = format_html(' value="{}"', widget["value"]) if widget["value"] is not None else ""
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, html_attrs)


class PlainErrorList(ErrorList):
    """An error list that writes nothing, without a template, when it holds no error.

    Django renders every `{{ field.errors }}` through two templates even when it is empty, and
    for nothing: the review page has 575 of them, most of its remaining time (bench/README.md).
    A list with errors renders as Django's does.
    """

    def render(self, template_name=None, context=None, renderer=None):
        return super().render(template_name, context, renderer) if self.data else ""

    __str__ = __html__ = render


def plain_label(context: dict) -> str:
    """A label as Django's label template writes it (`BoundField.label_tag`'s context), without the template."""
    if not context["use_tag"]:
        return conditional_escape(context["label"])
    attrs = flatatt(context["attrs"] or {})
    return format_html("<{}{}>{}</{}>", context["tag"], attrs, context["label"], context["tag"])


# The plain widgets of the draft form, and their HTML-written twins.
_PLAIN = {
    widget: type(f"Plain{widget.__name__}", (PlainHTMLWidget, widget), {})
    for widget in (
        forms.TextInput,
        forms.HiddenInput,
        forms.Textarea,
        forms.Select,
        forms.CheckboxInput,
        SafeAutocompleteSelect,
        SafeAutocompleteSelectMultiple,
    )
}


class DraftForm(forms.Form):
    """One draft as an editor reviews it: who said what, when, about what, and how it bears on others.

    Each party (source, speaker, via) is the existing source chosen in `<role>_match`, or, with
    no match, a new one made from `<role>_name`, `<role>_kind` and `<role>_role`.
    """

    include = forms.BooleanField(required=False, initial=True, label="Include")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    quote = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}), label="Quote (verbatim)"
    )
    claimed_on = forms.CharField(
        required=False, max_length=10, widget=forms.TextInput(attrs={"size": 10, "placeholder": "YYYY-MM-DD"})
    )
    claimed_on_precision = forms.ChoiceField(choices=DatePrecision.choices, label="precision")
    cue = forms.CharField(required=False, widget=forms.HiddenInput)
    span_start = forms.IntegerField(required=False, widget=forms.HiddenInput)
    span_end = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, admin_site, link_rows: int, **kwargs):
        super().__init__(*args, **{**kwargs, "error_class": PlainErrorList})
        for role in ROLES:
            self.fields[f"{role}_match"] = forms.ModelChoiceField(
                Source.objects.all(),
                required=False,
                label="existing source",
                # The claim form's autocomplete (Claim.source/speaker/via), the same search and permissions.
                widget=SafeAutocompleteSelect(Claim._meta.get_field(role), admin_site),
            )
            self.fields[f"{role}_name"] = forms.CharField(required=False, max_length=200, label="or new: name")
            self.fields[f"{role}_kind"] = forms.ChoiceField(
                choices=[("", "---------"), *SourceKind.choices], required=False, label="kind"
            )
            self.fields[f"{role}_role"] = forms.CharField(required=False, max_length=200, label="role")
            # The name as the text gave it, shown beside the party again when the page comes back.
            self.fields[f"{role}_said"] = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
        self.fields["topics"] = forms.ModelMultipleChoiceField(
            Topic.objects.all(),
            required=False,
            widget=SafeAutocompleteSelectMultiple(Claim._meta.get_field("topics"), admin_site),
        )
        self.link_rows = link_rows
        for n in range(link_rows):
            self.fields[f"link_relation_{n}"] = forms.ChoiceField(
                choices=[("", "---------"), *LinkRelation.choices], required=False, label="this claim"
            )
            self.fields[f"link_draft_{n}"] = forms.ChoiceField(choices=[("", "---------")], required=False, label="")
        for field in self.fields.values():
            plain = _PLAIN.get(type(field.widget))
            if plain is not None:
                field.widget.__class__ = plain  # the same widget, written as HTML (see PlainHTMLWidget)

    def render(self, template_name=None, context=None, renderer=None):
        # Some 450 labels a page: each through two templates took more time than the rest of the form.
        if template_name == self.template_name_label and context is not None:
            return plain_label(context)
        return super().render(template_name, context, renderer)

    def set_link_targets(self, choices: list[tuple[str, str]]) -> None:
        """The drafts a link can point to, as (index, "#number ...") pairs."""
        for n in range(self.link_rows):
            self.fields[f"link_draft_{n}"].choices = [("", "---------"), *choices]

    def clean(self):
        cleaned = super().clean()
        for n in range(self.link_rows):
            relation, target = cleaned.get(f"link_relation_{n}"), cleaned.get(f"link_draft_{n}")
            if bool(relation) != bool(target):
                missing = f"link_relation_{n}" if not relation else f"link_draft_{n}"
                self.add_error(missing, "Choose both a relation and a draft, or neither.")
        return cleaned

    # Readers for the template: the fields of one party, and the link rows.
    def parties(self):
        """(role, its four fields, the name as the text gave it) for each party."""
        parts = ("match", "name", "kind", "role")
        return [(role, [self[f"{role}_{part}"] for part in parts], self[f"{role}_said"].value()) for role in ROLES]

    def links(self):
        return [(self[f"link_relation_{n}"], self[f"link_draft_{n}"]) for n in range(self.link_rows)]

    def included(self) -> bool:
        return bool(self["include"].value())

    def to_draft(self) -> dict:
        """The draft this (valid) form says, in the service's format; `link_slots` keeps each link's row."""
        data = self.cleaned_data
        if not data.get("include"):
            return {"include": False}
        draft = {
            "include": True,
            "text": data["text"],
            "quote": data["quote"],
            "cue": data["cue"],
            "claimed_on": data["claimed_on"],
            "claimed_on_precision": data["claimed_on_precision"],
            "topics": [topic.pk for topic in data["topics"]],
            "links": [],
        }
        if data["span_start"] is not None and data["span_end"] is not None:
            draft["span"] = {"start": data["span_start"], "end": data["span_end"]}
        for role in ROLES:
            draft[role] = _party(data, role)
        self.link_slots = []
        for n in range(self.link_rows):
            if data.get(f"link_relation_{n}") and data.get(f"link_draft_{n}"):
                draft["links"].append({"relation": data[f"link_relation_{n}"], "draft": int(data[f"link_draft_{n}"])})
                self.link_slots.append(n)
        return draft

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put the service's errors for this draft ({path: message}) on the fields they name."""
        slots = getattr(self, "link_slots", [])
        for path, message in errors.items():
            name = _field_for(path, slots)
            if name in self.fields:
                if name.startswith("link_draft_") and _NOT_INCLUDED.fullmatch(message):
                    # The service counts drafts from 0, as the API does; this page numbers them from 1.
                    number = int(_NOT_INCLUDED.fullmatch(message)[1]) + 1
                    message = f"Draft #{number} is not included: include it too, or remove this link."
                self.add_error(name, message)
            else:
                self.add_error(None, f"{path}: {message}" if path not in ("", "draft") else message)


_NOT_INCLUDED = re.compile(r"Draft (\d+) is not included\.")
_PARTY_PATHS = {"": "name", "name": "name", "kind": "kind", "role": "role", "match": "match", "match.id": "match"}


def _party(data: dict, role: str) -> dict | None:
    match = data[f"{role}_match"]
    if match is not None:
        return {
            "name": match.name,
            "role": match.role,
            "kind": match.kind,
            "match": {"id": match.pk, "slug": match.slug, "name": match.name},
        }
    name = data[f"{role}_name"].strip()
    if not name:
        return None
    return {"name": name, "role": data[f"{role}_role"].strip(), "kind": data[f"{role}_kind"], "match": None}


def _field_for(path: str, link_slots: list[int]) -> str | None:
    """The form field a service error's path names: "source.kind" -> source_kind, "links.0.draft" -> a row."""
    head, _, rest = path.partition(".")
    if head in ROLES and rest in _PARTY_PATHS:
        return f"{head}_{_PARTY_PATHS[rest]}"
    if head == "links" and rest:
        index, _, part = rest.partition(".")
        if index.isdigit() and int(index) < len(link_slots):
            return f"link_{'draft' if part == 'draft' else 'relation'}_{link_slots[int(index)]}"
        return None
    return path if path in ("text", "quote", "claimed_on", "claimed_on_precision", "topics") else None


class BaseDraftFormSet(forms.BaseFormSet):
    def __init__(self, *args, admin_site, link_rows: list[int] | None = None, **kwargs):
        self.admin_site, self._link_rows = admin_site, link_rows or []
        super().__init__(*args, **kwargs)
        choices = [(str(i), _target_label(i, form)) for i, form in enumerate(self.forms)]
        for form in self.forms:
            form.set_link_targets(choices)

    def get_form_kwargs(self, index):
        if index is None:  # the empty form, for the formset's media
            rows = 1
        elif self.is_bound:
            rows = _posted_link_rows(self.data, self.add_prefix(index))
        else:
            rows = self._link_rows[index] if index < len(self._link_rows) else 1
        return {"admin_site": self.admin_site, "link_rows": rows}


DraftFormSet = forms.formset_factory(
    DraftForm,
    formset=BaseDraftFormSet,
    extra=0,
    max_num=accept.MAX_DRAFTS,
    absolute_max=accept.MAX_DRAFTS,
    validate_max=True,
)


def _posted_link_rows(data, prefix: str) -> int:
    rows = [int(m[1]) for key in data if key.startswith(prefix + "-") and (m := _LINK_FIELD.search(key))]
    return min(max(rows, default=0) + 1, MAX_LINK_ROWS)


def _target_label(index: int, form: DraftForm) -> str:
    text = str(form["text"].value() or "")
    return f"#{index + 1}: {text[:60]}{'…' if len(text) > 60 else ''}"


def initial_from(draft: dict) -> dict:
    """A form's initial values from a draft as extraction returned it."""
    initial = {
        "include": True,
        "text": draft.get("text", ""),
        "quote": draft.get("quote", ""),
        "cue": draft.get("cue", ""),
        "claimed_on": str(draft.get("claimed_on") or ""),
        "claimed_on_precision": draft.get("claimed_on_precision") or DatePrecision.DAY,
        "span_start": (draft.get("span") or {}).get("start"),
        "span_end": (draft.get("span") or {}).get("end"),
    }
    for role in ROLES:
        party = draft.get(role)
        if not party:
            continue
        initial[f"{role}_match"] = (party.get("match") or {}).get("id")
        initial[f"{role}_name"] = party.get("name", "")
        initial[f"{role}_kind"] = party.get("kind", "")
        initial[f"{role}_role"] = party.get("role", "")
        initial[f"{role}_said"] = party.get("name", "")
    for n, link in enumerate(draft.get("links") or []):
        initial[f"link_relation_{n}"] = link.get("relation")
        initial[f"link_draft_{n}"] = str(link.get("draft"))
    return initial


def _highlights(body: str, formset) -> list:
    """The body cut into runs, each draft's span a run carrying its number (1-based)."""
    spans = []
    for index, form in enumerate(formset.forms):
        start, end = form["span_start"].value(), form["span_end"].value()
        try:
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            continue
        if 0 <= start < end <= len(body):
            spans.append((start, end, {"number": index + 1, "included": form.included()}))
    return anchoring.segments(body, spans)


def extract_view(model_admin, request, object_id):
    """The review page of an article's drafts (GET), and accepting the editor's selection (POST)."""
    if not request.user.has_perms(accept.PERMISSIONS):
        raise PermissionDenied("Accepting drafts needs the rights to add claims, sources, appearances and links.")
    article = model_admin.get_queryset(request).defer(None).filter(pk=object_id).first() if is_id(object_id) else None
    if article is None:
        return model_admin._get_obj_does_not_exist_redirect(request, Article._meta, object_id)
    page_errors = []
    if request.method == "POST":
        formset = DraftFormSet(request.POST, prefix="draft", admin_site=model_admin.admin_site)
        response = _accept(request, article, formset, page_errors)
        if response is not None:
            return response
    else:
        drafts = []
        if article.body:
            drafts = extract_from_record(
                article.body, published_on=article.published_on or timezone.localdate(), language=article.language
            )
        formset = DraftFormSet(
            initial=[initial_from(d) for d in drafts],
            prefix="draft",
            admin_site=model_admin.admin_site,
            link_rows=[len(d.get("links") or []) + 1 for d in drafts],
        )
    opts = Article._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Extract claims: {article.title}",
        "subtitle": None,
        "is_nav_sidebar_enabled": False,  # the text and the forms need the width
        "opts": opts,
        "original": article,
        "article": article,
        "formset": formset,
        "page_errors": page_errors,
        "segments": _highlights(article.body, formset) if article.body else [],
        "undated": article.published_on is None,
        "media": model_admin.media + formset.media,
        "change_url": reverse("admin:claims_article_change", args=[article.pk]),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/claims/article/extract.html", context)


def _nothing_created(formset) -> str:
    return "Nothing was created: correct the drafts marked below." if formset.forms else "Nothing was created."


def _accept(request, article: Article, formset, page_errors: list):
    """Accept the posted drafts through the service; the redirect on success, None to show the page again."""
    if formset.non_form_errors():
        page_errors.extend(formset.non_form_errors())
    drafts, invalid = [], False
    for form in formset.forms:
        if form.is_valid():
            drafts.append(form.to_draft())
        elif form.included():
            invalid = True
        else:
            drafts.append({"include": False})  # left out: what it holds does not matter
    if invalid or page_errors:
        page_errors.append(_nothing_created(formset))
        return None
    try:
        accepted = accept.drafts_accept(article=article, drafts=drafts, user=request.user)
    except accept.DraftsInvalid as exc:
        for index, errors in exc.messages().items():
            if isinstance(index, int) and index < len(formset.forms):
                formset.forms[index].show_errors(errors)
            else:
                page_errors.extend(errors.values())
        page_errors.append(_nothing_created(formset))
        return None
    claims = Claim.objects.filter(pk__in=accepted.claims).select_related("source").order_by("pk")
    listing = format_html_join(
        ", ",
        '<a href="{}">#{}</a> ({})',
        ((reverse("admin:claims_claim_change", args=[c.pk]), c.pk, c.source.name) for c in claims),
    )
    messages.success(
        request,
        format_html(
            "Created {} claim{} from this article: {}. Links made: {}; new sources: {}.",
            len(accepted.claims),
            "" if len(accepted.claims) == 1 else "s",
            listing,
            len(accepted.links),
            len(accepted.sources),
        ),
    )
    return HttpResponseRedirect(reverse("admin:claims_article_change", args=[article.pk]))
