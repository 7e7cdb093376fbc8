"""The editors' admin: every record can be entered, found, reviewed and traced here.

Every change form carries the record's version; a save from a page opened before
someone else's save is refused with a message and the editor's input kept (see
`claims.versioning`). Every admin keeps revision history with field differences
(django-simple-history).
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import Textarea
from django.urls import path, reverse
from django.utils.html import format_html

from claims import anchoring, history, search, selectors, services, wikidata
from claims.admin import extraction
from claims.admin.base import HasDenialFilter, HasReviewFilter, ModelAdmin, VersionedInline
from claims.admin.forms import (
    AppearanceAdminForm,
    ClaimAdminForm,
    PlainTextField,
    SafeAutocompleteSelectMultiple,
    TranslationsFormField,
    WikidataAdminForm,
)
from claims.admin.scale import IndexedValuesFilter
from claims.diagram import format_claim_date, thread_context
from claims.extraction import accept
from claims.models import (
    ARTICLE_BODY_MAX,
    Appearance,
    Article,
    Claim,
    ClaimLink,
    ClaimStatus,
    Profile,
    Review,
    Source,
    Topic,
    display_name_of,
)
from claims.versioning import VersionConflict


class TopicFilter(admin.SimpleListFilter):
    """Every topic, from the topics table, matched as the API's `?topic=` matches it (selectors.claims_about).

    Django's "only those in use" would join every claim to list them, and its join filter read
    every claim of a common topic to pick a page.
    """

    title, parameter_name = "topic", "topic"

    def lookups(self, request, model_admin):
        topics = list(Topic.objects.order_by("name", "id").values_list("pk", "slug", "name"))
        self._ids = {slug: pk for pk, slug, _ in topics}  # for queryset(): the id, without another query
        return [(slug, name) for _, slug, name in topics]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        topic_id = self._ids.get(self.value())
        return queryset.filter(selectors.claims_about_topic_id(topic_id)) if topic_id else queryset.none()


class LanguageFilter(IndexedValuesFilter):
    """The languages in use, through the model's index that leads with `language` (migration 0007)."""

    title, parameter_name = "language", "language"


class WikidataColumn:
    """The record's Wikidata item as a link in the change list (the id itself is in the form)."""

    @admin.display(description="Wikidata", ordering="wikidata")
    def wikidata_item(self, obj):
        if not obj.wikidata:
            return ""
        return format_html('<a href="{}" rel="external">{}</a>', wikidata.page_url(obj.wikidata), obj.wikidata)


@admin.register(Source)
class SourceAdmin(WikidataColumn, ModelAdmin):
    form = WikidataAdminForm
    list_display = ["name", "slug", "kind", "role", "affiliation", "country", "wikidata_item", "claim_count"]
    list_filter = ["kind", "country"]
    list_select_related = ["affiliation"]
    search_fields = ["name", "slug", "description", "aliases", "wikidata"]
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
    list_filter = ["published_on", LanguageFilter]
    list_select_related = ["publisher"]
    search_fields = ["title", "publisher__name"]  # see get_search_results
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published_on"
    fieldsets = [
        (None, {"fields": ["title", "url", "publisher", "published_on", "dateline", "language", "loaded_version"]}),
        ("Text", {"fields": ["body"]}),
    ]

    class Media:
        css = {"all": ["claims/admin.css"]}
        js = ["claims/article_form.js"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            # Pasted whole from the page it was published on: room to read it, in a face that shows spacing.
            kwargs["widget"] = Textarea(attrs={"rows": 24, "cols": 100, "class": "article-body"})
            kwargs["form_class"] = PlainTextField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        if "body" in form_class.base_fields:
            length = len(obj.body) if obj is not None else 0
            # article_form.js keeps the count current while the editor pastes and edits.
            form_class.base_fields["body"].help_text = format_html(
                "Paste the article's text as published, plain. At most {} characters; the text has "
                '<span class="body-length">{}</span>. Claims are anchored in it, and found again when it changes.',
                f"{ARTICLE_BODY_MAX:,}",
                f"{length:,}",
            )
        return form_class

    def get_urls(self):
        extract = path(
            "<path:object_id>/extract/",
            self.admin_site.admin_view(lambda request, object_id: extraction.extract_view(self, request, object_id)),
            name="claims_article_extract",
        )
        return [extract, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_extract": request.user.has_perms(accept.PERMISSIONS)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        # An article's text (up to 100,000 characters) is read only where it is shown: its own page.
        return super().get_queryset(request).defer("body")

    def get_search_results(self, request, queryset, search_term):
        """Articles whose title holds every word, or whose publisher's name does, or whose URL is the term.

        Django's search matched each word in four columns across a join: a scan of every article, 0.5 to
        1 s at 200,000 (the claim form's article autocomplete). The title has a trigram index on
        PostgreSQL (migration 0008), publishers are few, and a URL is looked up whole.
        """
        term = search_term.strip()[: search.MAX_QUERY_LENGTH]
        if not term:
            return queryset, False
        condition = Q(url=term)
        words = term.split()[: search.MAX_TERMS]
        by_title = Q()
        for word in words:
            by_title &= Q(title__icontains=word)
        publishers = Source.objects.all()
        for word in words:
            publishers = publishers.filter(name__icontains=word)
        # Their ids as values, not a subquery: the planner then combines the three conditions' indexes.
        by_publisher = Q(publisher__in=list(publishers.values_list("pk", flat=True)[:1000]))
        return queryset.filter(condition | by_title | by_publisher), False


@admin.register(Topic)
class TopicAdmin(WikidataColumn, ModelAdmin):
    form = WikidataAdminForm
    list_display = ["name", "slug", "kind", "wikidata_item", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases", "wikidata"]
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


class AppearanceInline(VersionedInline, admin.TabularInline):
    """The articles the claim appears in; in one with a text, where (give the words, or start and end)."""

    model = Appearance
    form = AppearanceAdminForm
    fields = ["article", "exact", "start", "end", "passage", "status", "loaded_version"]
    readonly_fields = ["passage", "status"]
    autocomplete_fields = ["article"]
    extra = 0
    verbose_name = "appearance in an article"
    verbose_name_plural = "appearances in articles (the passage, anchored in the article's text)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article")

    @admin.display(description="in context")
    def passage(self, obj):
        if obj.pk is None or obj.start is None:
            return "–"
        before, exact, after = anchoring.in_context(obj.article.body, obj.start, obj.end, width=120)
        return format_html('<span class="passage">{}<mark>{}</mark>{}</span>', before, exact, after)


class ReviewInline(VersionedInline, admin.StackedInline):
    model = Review
    fields = ["rating", "summary", "url", "reviewed_on", "reviewer", "loaded_version"]
    readonly_fields = ["reviewer"]
    extra = 0


@admin.register(Claim)
class ClaimAdmin(ModelAdmin):
    form = ClaimAdminForm
    change_form_template = "admin/claims/claim/change_form.html"
    list_display = ["id", "short_text", "status", "source", "via", "claimed", "article_short", "denial_count"]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "status",
        "source__kind",
        TopicFilter,
        HasDenialFilter,
        HasReviewFilter,
        "claimed_on_precision",
        LanguageFilter,
    ]
    list_select_related = ["source", "via", "article__publisher"]
    # Rendering the rows is most of a page's cost (about 1.3 ms a claim): 50 take 124 ms, 100 took 191 ms.
    list_per_page = 50
    search_fields = ["text", "quote", "source__name", "article__title"]
    date_hierarchy = "claimed_on"
    autocomplete_fields = ["source", "speaker", "via", "article", "topics"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["text", "quote", "language", "status", "loaded_version"]}),
        ("Attribution", {"fields": ["source", "speaker", "via", "article", "claimed_on", "claimed_on_precision"]}),
        ("Topics", {"fields": ["topics"]}),
        (
            "Translations",
            {
                "fields": ["translations"],
                "description": "The claim's text and quote in other languages, beside the original, which stays "
                "as written. Say who translated each (the reporting outlet, our desk, a tool) and whether a "
                "person or a machine did. Leave the blank row empty to add none.",
            },
        ),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [LinkOutInline, LinkInInline, ReviewInline, AppearanceInline]

    class Media:
        css = {"all": ["claims/admin.css"]}
        js = ["claims/similar.js", "claims/translations.js"]

    actions = ["mark_disputed", "mark_unverified", "mark_retracted", "mark_confirmed", "mark_refuted"]

    def get_queryset(self, request):
        # The list's joins here, not only in the changelist: the autocomplete labels claims by their source.
        queryset = super().get_queryset(request).select_related(*self.list_select_related).defer("article__body")
        return queryset.annotate(denial_count=selectors.denial_count())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class FormForUser(form_class):
            def __init__(self, *args, **kw):
                super().__init__(*args, user=request.user, **kw)

        return FormForUser

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "translations":
            kwargs["form_class"] = TranslationsFormField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "topics":
            # Django's admin skips many-to-many fields with their own through model. Ours (ClaimTopic)
            # has no columns of its own, so the ordinary widget and `.set()` work; admin.E013 is silenced.
            kwargs.setdefault(
                "widget", SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # The API's search (words, "phrases", -exclusions, prefix*, aliases), not Django's substring match.
        # Unranked: the changelist orders by its columns, and the autocomplete lists the newest matches
        # first; ranking would score every match of a common word (80,000 for "militia") for each page.
        return search.search_claims(queryset, search_term[: search.MAX_QUERY_LENGTH], rank=False), False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Possible duplicates of the text in the form: as saved, or as typed before a refused save.
        # similar.js refreshes the box while the editor types.
        form = context["adminform"].form
        text = form["text"].value() or ""
        language = str(form["language"].value() or "") if "language" in form.fields else ""
        # Across languages through the claim's translations as saved (claims.search, "across languages").
        context["similar_claims"] = search.similar_claims(
            str(text),
            exclude=obj.pk if obj else None,
            language=language or None,
            translations=obj.translations if obj else (),
        )
        context["similar_url"] = reverse("claim-similar-to-text")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        claim = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(self._thread_context(claim) if claim else {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _thread_context(self, claim):
        return thread_context(claim, url_for=lambda c: reverse("admin:claims_claim_change", args=[c.pk]))

    @admin.display(description="claim", ordering="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 90 else obj.text[:87] + "..."

    @admin.display(description="claimed on", ordering="claimed_on")
    def claimed(self, obj):
        return format_claim_date(obj.claimed_on, obj.claimed_on_precision)  # "Oct 2017", not "Oct. 1, 2017"

    @admin.display(description="article", ordering="article__published_on")
    def article_short(self, obj):
        # The publisher and date tell articles apart in a list; full titles would crowd out the claims.
        if obj.article is None:
            return "-"
        title = obj.article.title if len(obj.article.title) <= 40 else obj.article.title[:37] + "..."
        where = ", ".join(str(part) for part in (obj.article.publisher, obj.article.published_on) if part)
        return f"{title} ({where})" if where else title

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


class ProfileInline(admin.StackedInline):
    """The display name the public sees instead of the login name (each editor also sets their own)."""

    model = Profile
    can_delete = False  # without one, the editor is 'Editor #<id>': clear the name by writing another


class UserAdmin(DjangoUserAdmin):
    """Users who authored revisions cannot be deleted, only deactivated: their name stays on their changes.

    Staff see login names here; the public only ever sees display names (docs/security.md, "People").
    """

    inlines = [ProfileInline]
    list_display = [*DjangoUserAdmin.list_display, "display_name"]
    list_select_related = ["profile"]

    @admin.display(description="display name", ordering="profile__display_name")
    def display_name(self, user):
        return display_name_of(user)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and history.authored_revisions(obj, limit=1):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, so the check above applies
        return actions


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
