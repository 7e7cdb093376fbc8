import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.relations import MANY_RELATION_KWARGS

from claims.models import (
    LANGUAGE_MAX,
    MAX_ID,
    QUOTE_MAX,
    REQUIRED_KEYS,
    TEXT_MAX,
    TRANSLATION_BY_MAX,
    TRANSLATION_KEYS,
    TRANSLATIONS_MAX,
    TranslationKind,
    check_translations,
    is_id,
    language_code,
    not_blank,
    validate_aliases,
)


class StrictStringMixin:
    """Text fields take JSON strings only. DRF's turn 0 into "0" and 1.5 into "1.5", accepting
    a request the schema says is malformed (and often a client's bug)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(f"Not a string: a {type(data).__name__}.", code="invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    """Text as sent: DRF trims spaces first, which would accept ' en' where the schema's pattern does not."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


class StrictIntegerField(serializers.IntegerField):
    """Whole numbers as JSON numbers only: DRF's also takes "5", "5.0" and true, which the schema does not."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            raise serializers.ValidationError(f"Not a whole number: a {type(data).__name__}.", code="invalid")
        return super().to_internal_value(data)


class StrictChoiceField(StrictStringMixin, serializers.ChoiceField):
    pass


class StrictManyRelatedField(serializers.ManyRelatedField):
    """A list of ids must be a JSON list: DRF also takes an object, reading its keys."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class NestedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written as an id and read as a brief nested object.

    Clients send `"source": 3`; they get back `"source": {"id": 3, "slug": ..., "name": ...}`,
    so a claim can be rendered without a request per related object. A nested object with
    an `id` is accepted on write too, so what a client read can be sent back as it is.
    """

    def __init__(self, serializer, **kwargs):
        self.serializer_class = serializer
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    @classmethod
    def many_init(cls, *args, **kwargs):
        # DRF's own, with the strict list field.
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return StrictManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)

    def to_representation(self, value):
        return self.serializer_class(value, context=self.context).data

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for a relation: the schema says an id or null, so "" is a malformed id.
        if data == "":
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)

    def to_internal_value(self, data):
        if isinstance(data, dict) and "id" in data:
            data = data["id"]
        # The database lookup reads ids with int(), which takes 2.5 as 2, "0_2" as 2 and "٢" (Arabic-Indic
        # two) as 2: a relation to a record the client did not name. An id is a whole number in digits 0-9.
        if isinstance(data, float) or (isinstance(data, str) and not re.fullmatch(r"\s*-?[0-9]+\s*", data)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        # Outside 1..MAX_ID a value is no id at all (400), where an id of no record is a conflict with
        # the record's state (409, code does_not_exist): the schema gives the range.
        if not isinstance(data, bool) and isinstance(data, int | str) and not is_id(str(data).strip()):
            raise serializers.ValidationError(f"An id is a whole number from 1 to {MAX_ID}.", code="invalid")
        return super().to_internal_value(data)

    def get_choices(self, cutoff=None):
        # The browsable API's <select>: keyed by id, since the nested representation is not hashable.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "string", "maxLength": 200, "pattern": not_blank.regex.pattern},
        "uniqueItems": True,
        "description": "Other spellings of the name: distinct, each with some text, at most 200 characters.",
    }
)
class AliasesField(serializers.ListField):
    """Other spellings of a name (Daesh, ISIS, داعش), by the model's rule."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", StrictCharField(max_length=200, validators=[not_blank]))
        kwargs.setdefault("validators", [validate_aliases])
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


# A translation as the API reads and writes it: exactly these keys, each a string.
TRANSLATION_SCHEMA = {
    "type": "object",
    "properties": {
        "language": {
            "type": "string",
            "maxLength": LANGUAGE_MAX,
            "pattern": language_code.regex.pattern,
            "description": "BCP 47 code of the translation's language: not the claim's own.",
        },
        "text": {
            "type": "string",
            "maxLength": TEXT_MAX,
            "pattern": not_blank.regex.pattern,
            "description": "The claim's text in that language.",
        },
        "quote": {
            "type": "string",
            "maxLength": QUOTE_MAX,
            "pattern": "^[^\\x00]*$",
            "description": "The quote in that language; empty when the claim has none. Default: empty.",
        },
        "kind": {
            "type": "string",
            "enum": TranslationKind.values,
            "description": "Who translated it: a person (`human`) or a `machine`.",
        },
        "by": {
            "type": "string",
            "maxLength": TRANSLATION_BY_MAX,
            "pattern": "^[^\\x00]*$",
            "description": "Who made the translation: the reporting outlet, a desk, a tool. Default: empty.",
        },
    },
    "required": list(REQUIRED_KEYS),
    "additionalProperties": False,
}


@extend_schema_field(
    {
        "type": "array",
        "items": TRANSLATION_SCHEMA,
        "maxItems": TRANSLATIONS_MAX,
        "uniqueItems": True,
        "description": "The text and quote in other languages, each translation once (two may share a "
        "language: the outlet's and ours); the original "
        "`text` and `quote` stay as written. On error the 400 names the item and field: "
        "`translations.0.language`.",
    }
)
class TranslationsField(serializers.Field):
    """A claim's translations, by claims.translations' rules; errors keyed by item and field ("0.language").

    Read back always with every key of TRANSLATION_KEYS.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        cleaned, errors = check_translations(data)
        if errors:
            raise serializers.ValidationError(
                {path: [ErrorDetail(message, code)] for path, (message, code) in errors.items()}
            )
        return cleaned

    def to_representation(self, value):
        # In the order of TRANSLATION_KEYS, whatever order the database keeps an object's keys in (jsonb's own).
        return [{key: item[key] for key in TRANSLATION_KEYS} for item in value]


def flatten_errors(errors: dict, field: str) -> dict:
    """`{field: {"0.language": [...]}}` as `{"field.0.language": [...]}`: each fault named by its full path."""
    nested = errors.get(field)
    if not isinstance(nested, dict):
        return errors
    flat = {name: value for name, value in errors.items() if name != field}
    for path, messages in nested.items():
        flat[f"{field}.{path}" if path else field] = messages
    return flat
