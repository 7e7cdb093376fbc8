"""The editors' admin: every record can be entered, found and reviewed here."""

from django.contrib import admin
from django.db import models

from claims import selectors
from claims.models import Article, Claim, ClaimLink, ClaimTopic, Review, Source, Topic


class HasDenialFilter(admin.SimpleListFilter):
    title = "denial"
    parameter_name = "has_denial"

    def lookups(self, request, model_admin):
        return [("yes", "Denied by another claim"), ("no", "Not denied")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(selectors.claims_with_denial(self.value() == "yes"))
        return queryset


# Editors paste bare domains; "https://" is the right guess today (and Django 6's default).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ModelAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS


@admin.register(Source)
class SourceAdmin(ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "role",
        "affiliation",
        "country",
        "claim_count",
    ]
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


class ClaimTopicInline(admin.TabularInline):
    model = ClaimTopic
    autocomplete_fields = ["topic"]
    extra = 1
    verbose_name = "topic"
    verbose_name_plural = "topics"


class LinkOutInline(admin.TabularInline):
    """Links where this claim is the subject: 'this claim denies X'."""

    model = ClaimLink
    fk_name = "from_claim"
    autocomplete_fields = ["to_claim"]
    extra = 0
    verbose_name = "link to another claim"
    verbose_name_plural = "this claim … another claim"


class LinkInInline(admin.TabularInline):
    """Links where this claim is the object: 'Y denies this claim'."""

    model = ClaimLink
    fk_name = "to_claim"
    autocomplete_fields = ["from_claim"]
    fields = ["from_claim", "relation", "note"]
    extra = 0
    verbose_name = "link from another claim"
    verbose_name_plural = "another claim … this claim"


class ReviewInline(admin.StackedInline):
    model = Review
    formfield_overrides = URL_FIELDS
    fields = ["rating", "summary", "url", "reviewed_on", "reviewer"]
    readonly_fields = ["reviewer"]
    extra = 0


@admin.register(Claim)
class ClaimAdmin(ModelAdmin):
    list_display = [
        "id",
        "short_text",
        "status",
        "source",
        "via",
        "claimed_on",
        "article",
        "denial_count",
    ]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "status",
        "source__kind",
        HasDenialFilter,
        "claimed_on_precision",
        "language",
    ]
    list_select_related = ["source", "via", "article"]
    search_fields = ["text", "quote", "source__name", "article__title"]
    date_hierarchy = "claimed_on"
    autocomplete_fields = ["source", "speaker", "via", "article"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["text", "quote", "language", "status"]}),
        (
            "Attribution",
            {
                "fields": [
                    "source",
                    "speaker",
                    "via",
                    "article",
                    "claimed_on",
                    "claimed_on_precision",
                ]
            },
        ),
        (
            "Record",
            {
                "fields": ["created_by", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    inlines = [ClaimTopicInline, LinkOutInline, LinkInInline, ReviewInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(denial_count=selectors.denial_count())

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
