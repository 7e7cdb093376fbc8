"""The shapes of extraction's drafts in the API: for the schema, and for reading extraction's input.

Accepting drafts is checked by the service itself (claims.extraction.accept), which the admin's
review page calls too; these serializers document what it takes and returns.
"""

from rest_framework import serializers

from claims.api.fields import StrictCharField
from claims.api.serializers import IsoDateField
from claims.models import (
    ARTICLE_BODY_MAX,
    ClaimStatus,
    DatePrecision,
    LinkRelation,
    SourceKind,
    language_code,
    not_blank,
)

# Extraction reads at most an article's worth of text: about 1 s of work at its measured speed.
EXTRACT_MAX = ARTICLE_BODY_MAX


class SourceMatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PartySerializer(serializers.Serializer):
    """Who a draft names: the existing source the text's words match (`match`), or a new one to make."""

    name = serializers.CharField(help_text="The name as the text gives it.")
    role = serializers.CharField(allow_blank=True, help_text="e.g. 'spokesman'.")
    kind = serializers.ChoiceField(choices=SourceKind.choices, help_text="Proposed kind, for a new source.")
    match = SourceMatchSerializer(allow_null=True, help_text="The existing source named, or null for a new one.")


class SpanSerializer(serializers.Serializer):
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=0)


class DraftLinkSerializer(serializers.Serializer):
    relation = serializers.ChoiceField(choices=LinkRelation.choices)
    draft = serializers.IntegerField(min_value=0, help_text="Index of the other draft in the list.")


class DraftSerializer(serializers.Serializer):
    """A claim found in a text, for an editor to confirm: who said what, through whom, when, where in the text.

    A party (`source`, `speaker`, `via`) has all four of its fields, as extraction returns it.
    """

    text = serializers.CharField(max_length=2000, help_text="The statement in neutral words.")
    quote = serializers.CharField(allow_blank=True, help_text="The words verbatim when quoted, else empty.")
    cue = serializers.CharField(help_text="The reporting words as written: 'said', 'denied', 'according to'.")
    span = SpanSerializer(help_text="Where the attributed content lies in the text (character offsets).")
    source = PartySerializer()
    speaker = PartySerializer(allow_null=True)
    via = PartySerializer(allow_null=True)
    claimed_on = serializers.DateField()
    claimed_on_precision = serializers.ChoiceField(choices=DatePrecision.choices)
    links = DraftLinkSerializer(
        many=True, help_text="What the text says this statement denies, contradicts or supports."
    )


class AcceptedDraftSerializer(DraftSerializer):
    """A draft as accepted: as returned by extraction, possibly edited. An included draft needs `text`,
    `source` and `claimed_on`; `include: false` leaves a draft out, and then only its fields' types are
    checked."""

    include = serializers.BooleanField(required=False, default=True)
    topics = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, help_text="Topic ids.")
    language = StrictCharField(required=False, validators=[language_code], help_text="Default: the article's.")
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False, help_text="Default: unverified.")

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
        return fields


class DraftsSerializer(serializers.Serializer):
    drafts = DraftSerializer(many=True)


class AcceptSerializer(serializers.Serializer):
    drafts = AcceptedDraftSerializer(many=True)


class AcceptedSerializer(serializers.Serializer):
    claims = serializers.ListField(child=serializers.IntegerField(), help_text="The claims created, in draft order.")
    links = serializers.ListField(child=serializers.IntegerField(), help_text="The links created between them.")
    sources = serializers.ListField(child=serializers.IntegerField(), help_text="The new sources made for them.")


class ExtractSerializer(serializers.Serializer):
    """A text to find attributed statements in; nothing is written."""

    text = StrictCharField(
        max_length=EXTRACT_MAX, validators=[not_blank], help_text=f"Plain text, at most {EXTRACT_MAX:,} characters."
    )
    published_on = IsoDateField(help_text="The text's publication date: relative dates are read against it.")
    language = StrictCharField(default="en", validators=[language_code], help_text="Only English is read for now.")
