"""Query filters for each list endpoint, declared field by field.

A value that cannot be understood (an unknown status, a malformed date, a
non-numeric id) is a 400 naming the parameter, never an unfiltered list. An
empty one is refused before any filter runs (claims.api.base.ParametersMixin).
"""

import copy

import django_filters as filters
from django import forms
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.http import QueryDict
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from claims import search, selectors
from claims.models import (
    ISO_DATE,
    LANGUAGE_MAX,
    MAX_ID,
    AnchorStatus,
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    LinkRelation,
    Review,
    ReviewRating,
    Source,
    SourceKind,
    Topic,
    TopicKind,
    language_code,
    wikidata_id,
)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves a list alone when the request names none of its filters.

    Building a filter set and its form cost about 1 ms of a 10 ms page of 50 claims when django-filter
    deep-copied every filter and field (before `FilterSet` below), spent to apply nothing on a
    dashboard's plain list; it still costs more than nothing.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, made for each request without rebuilding what no request changes.

    django-filter deep-copies every declared filter for each request (their choices and help texts
    with them) and builds a new form class from them, each filter building its form field anew: a
    third of the Python time of a search page of 50 claims (bench/README.md, "Issue 17"). Here each
    filter is copied shallowly, so that it can name its own filter set, and the form class is built
    once per filter set class, its forms sharing its fields (`SharedFields`). Filters and form fields
    are never changed once declared: a form keeps what it cleans and its errors on itself.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own __init__, but for the copies of the filters.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: self._copy(base, queryset.model) for name, base in self.base_filters.items()}

    def _copy(self, base, model):
        filter_ = copy.copy(base)
        filter_.model = model
        filter_.parent = self
        if base.method is not None:
            # Setting it makes the copy's own FilterMethod: the shared one would look for the method
            # on the declared filter, which belongs to no filter set.
            filter_.method = base.method
        return filter_

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")  # the class's own, not a parent filter set's
        if form_class is None:
            form_class = super().get_form_class()
            form_class.base_fields = SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return form_class


class SharedFields(dict):
    """A form class's fields, which each of its forms takes as they are: a new dict, the same fields.

    A Django form deep-copies its class's fields (their widgets, choices and messages) when it is
    made, so that a form may change its own; ours never do. The copies took 0.3 ms of each filtered
    or searched page (`copy.deepcopy`, 4% of its Python time under py-spy).
    """

    def __deepcopy__(self, memo):
        return dict(self)


class OrderingFilter(drf_filters.OrderingFilter):
    """DRF's `ordering` parameter: one field or several, comma-separated, each `-` for descending.

    DRF silently drops fields it does not know; here an unknown field is a 400
    that lists the known ones, as the schema's enum does.
    """

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        unknown = [term for term in fields if term.removeprefix("-") not in valid]
        if unknown:
            known = ", ".join(sorted(valid)) or "none"
            raise ValidationError({self.ordering_param: [f"Unknown ordering {unknown[0][:50]!r}; known: {known}."]})
        return fields

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = [name for name, _ in self.get_valid_fields(view.get_queryset(), view, {"request": None})]
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                parameter["schema"] = {
                    "type": "array",
                    "items": {"type": "string", "enum": [order for name in fields for order in (name, f"-{name}")]},
                }
                parameter["style"], parameter["explode"] = "form", False
                parameter["description"] = "Fields to order by, comma-separated; `-` before a field for descending."
        return parameters


class IsoDateField(forms.DateField):
    """A date written as YYYY-MM-DD only (Django also reads '11/08/2017' and '2017-1-8')."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not ISO_DATE.fullmatch(value):
            raise forms.ValidationError("Enter a date as YYYY-MM-DD.", code="invalid")
        return super().to_python(value)


class IsoDateFilter(filters.DateFilter):
    field_class = IsoDateField


def with_aliases_text(queryset):
    """The JSON list of aliases as text, for a substring search over all of them."""
    return queryset.annotate(aliases_text=Cast("aliases", TextField()))


@extend_schema_field({"type": "string", "maxLength": search.MAX_QUERY_LENGTH})
class QueryFilter(filters.CharFilter):
    """`q`: words to search for, at most search.MAX_QUERY_LENGTH characters (longer is a 400)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", "filter_q")
        kwargs.setdefault("max_length", search.MAX_QUERY_LENGTH)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": language_code.regex.pattern, "maxLength": LANGUAGE_MAX})
class LanguageFilter(filters.CharFilter):
    """A BCP 47 language code ('ar', 'ar-SY'); anything else is a 400 naming the parameter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", LANGUAGE_MAX)
        kwargs.setdefault("validators", [language_code])
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A record id: a whole number in the range of our id columns.

    The stock NumberFilter accepts decimals (1.5), and a number past 64 bits would
    reach SQLite as an OverflowError; both are a 400 naming the parameter instead.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": wikidata_id.regex.pattern})
class WikidataFilter(filters.CharFilter):
    """A Wikidata item id (`Q42`): a malformed one is a 400 naming the parameter, not an empty list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [wikidata_id])
        kwargs.setdefault("strip", False)  # "Q42 " is refused, as the API refuses it in a record
        super().__init__(*args, **kwargs)


class TrueFalseField(forms.Field):
    """`true` or `false`, the way a query writes the schema's boolean; any other value is refused.

    Django's NullBooleanField reads `maybe` (and `yes`, `2`, ...) as no value at all: a typo
    would answer with the unfiltered list.
    """

    widget = forms.Select(choices=[("", "---------"), ("true", "true"), ("false", "false")])

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if value in ("true", "false"):
            return value == "true"
        raise forms.ValidationError("Enter true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.BooleanFilter):
    """A yes/no filter: a boolean in the schema (a generated client passes True), `true` or `false` in the URL."""

    field_class = TrueFalseField


class ClaimFilterSet(FilterSet):
    source = filters.CharFilter(field_name="source__slug", help_text="Slug of the source that made the claim.")
    source_kind = filters.ChoiceFilter(field_name="source__kind", choices=SourceKind.choices)
    via = filters.CharFilter(field_name="via__slug", help_text="Slug of the outlet that relayed the claim.")
    article = IdFilter(field_name="article_id", help_text="Id of the article that reported the claim.")
    topic = filters.CharFilter(method="filter_topic", help_text="Slug of a topic of the claim.")
    # distinct=False throughout: django-filter adds DISTINCT for a multiple choice, needed only across a
    # join; on the claim's own column it made PostgreSQL sort every disputed claim (900 ms at 1,000,000).
    status = filters.MultipleChoiceFilter(
        choices=ClaimStatus.choices, distinct=False, help_text="Repeat for several statuses."
    )
    claimed_after = IsoDateFilter(
        field_name="claimed_on",
        lookup_expr="gte",
        help_text="On or after (YYYY-MM-DD).",
    )
    claimed_before = IsoDateFilter(
        field_name="claimed_on",
        lookup_expr="lte",
        help_text="On or before (YYYY-MM-DD).",
    )
    has_denial = BooleanFilter(
        method="filter_has_denial",
        help_text="Whether another claim denies this one.",
    )
    denied_by = filters.CharFilter(
        method="filter_denied_by",
        help_text="Slug of a source: claims denied by a claim whose source or speaker it is.",
    )
    translated = BooleanFilter(method="filter_translated", help_text="Whether the claim has any translation.")
    translation_language = LanguageFilter(
        method="filter_translation_language",
        help_text="BCP 47 code: claims with a translation into this language (e.g. `ar`).",
    )
    source_wikidata = WikidataFilter(
        field_name="source__wikidata", help_text="Wikidata id (Q42) of the source that made the claim."
    )
    topic_wikidata = WikidataFilter(
        method="filter_topic_wikidata", help_text="Wikidata id (Q42) of a topic of the claim."
    )
    q = QueryFilter(
        help_text=(
            "Full-text search over the text, quote, translations, the names and aliases of the source, speaker, "
            'outlet and topics, and the article\'s title. `"a phrase"`, `-excluded`, `prefix*` and `OR` work as '
            "in search engines; case is ignored, words match their other forms in the claim's language (English, "
            "Arabic, Russian, French, German, Spanish, Turkish), and Arabic diacritics and letter forms are folded. "
            "Results come best match first (text above quote above names and title) unless `ordering` is given."
        ),
    )
    lang = LanguageFilter(
        method="filter_lang",
        help_text=(
            "The language of `q` (BCP 47, e.g. `ar`, `ru`, `fr-FR`): its words are read as that language's only. "
            "Without it, as every language's. It does not filter claims by their language."
        ),
    )

    class Meta:
        model = Claim
        fields = []

    def filter_lang(self, queryset, name, value):
        return queryset  # read by filter_q: it says how to read the query, it keeps every claim

    def filter_topic(self, queryset, name, value):
        return queryset.filter(selectors.claims_about(value))

    def filter_topic_wikidata(self, queryset, name, value):
        return queryset.filter(selectors.claims_about_wikidata(value))

    def filter_has_denial(self, queryset, name, value):
        return queryset.filter(selectors.claims_with_denial(value))

    def filter_denied_by(self, queryset, name, value):
        return queryset.filter(selectors.claims_denied_by(value))

    def filter_translated(self, queryset, name, value):
        return queryset.filter(selectors.claims_translated(value))

    def filter_translation_language(self, queryset, name, value):
        return queryset.filter(selectors.claims_translated_into(value))

    def filter_q(self, queryset, name, value):
        return search.search_claims(queryset, value, language=self.form.cleaned_data.get("lang") or None)


class SourceFilterSet(FilterSet):
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    affiliation = filters.CharFilter(field_name="affiliation__slug", help_text="Slug of the body it belongs to.")
    wikidata = WikidataFilter(help_text="Wikidata id (Q42) of the source.")
    q = QueryFilter(
        help_text="Words to find in the name, aliases, slug or description.",
    )

    class Meta:
        model = Source
        fields = []

    def filter_q(self, queryset, name, value):
        return with_aliases_text(queryset).filter(
            Q(name__icontains=value)
            | Q(aliases_text__icontains=value)
            | Q(slug__icontains=value)
            | Q(description__icontains=value)
        )


class ArticleFilterSet(FilterSet):
    publisher = filters.CharFilter(field_name="publisher__slug", help_text="Slug of the publishing source.")
    published_after = IsoDateFilter(field_name="published_on", lookup_expr="gte")
    published_before = IsoDateFilter(field_name="published_on", lookup_expr="lte")
    q = QueryFilter(help_text="Words to find in the title or dateline.")

    class Meta:
        model = Article
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(dateline__icontains=value))


class TopicFilterSet(FilterSet):
    kind = filters.ChoiceFilter(choices=TopicKind.choices)
    wikidata = WikidataFilter(help_text="Wikidata id (Q42) of the topic.")
    q = QueryFilter(help_text="Words to find in the name, aliases or slug.")

    class Meta:
        model = Topic
        fields = []

    def filter_q(self, queryset, name, value):
        return with_aliases_text(queryset).filter(
            Q(name__icontains=value) | Q(aliases_text__icontains=value) | Q(slug__icontains=value)
        )


class ClaimLinkFilterSet(FilterSet):
    relation = filters.MultipleChoiceFilter(choices=LinkRelation.choices, distinct=False)
    claim = IdFilter(method="filter_claim", help_text="Id of a claim at either end of the link.")
    from_claim = IdFilter(field_name="from_claim_id")
    to_claim = IdFilter(field_name="to_claim_id")

    class Meta:
        model = ClaimLink
        fields = []

    def filter_claim(self, queryset, name, value):
        return queryset.filter(Q(from_claim_id=value) | Q(to_claim_id=value))


class AppearanceFilterSet(FilterSet):
    claim = IdFilter(field_name="claim_id")
    article = IdFilter(field_name="article_id")
    status = filters.MultipleChoiceFilter(choices=AnchorStatus.choices, distinct=False)

    class Meta:
        model = Appearance
        fields = []


class ReviewFilterSet(FilterSet):
    claim = IdFilter(field_name="claim_id")
    rating = filters.MultipleChoiceFilter(choices=ReviewRating.choices, distinct=False)

    class Meta:
        model = Review
        fields = []
