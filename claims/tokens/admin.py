"""API tokens in the admin: every staff user sees, issues and revokes their own; superusers, everyone's.

A token is never edited: it is issued, then revoked. Its secret is shown on the page that answers
the "add" form, and nowhere else: not in a message (which would wait in the session, in the
database, until shown), not on the token's own page.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse

from claims.tokens.models import ApiToken
from claims.tokens.services import token_prepare


class ApiTokenAddForm(forms.ModelForm):
    """A new token: its name, scope and lifetime, and (superusers only) whose it is."""

    expires_in_days = forms.IntegerField(min_value=1, help_text="Days until the token stops working.")

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Made here, not in the class body, so that the bounds are the settings in force.
        self.fields["expires_in_days"] = forms.IntegerField(
            min_value=1,
            max_value=settings.TOKEN_MAX_EXPIRY_DAYS,
            initial=settings.TOKEN_EXPIRY_DAYS,
            help_text=f"Days until the token stops working (at most {settings.TOKEN_MAX_EXPIRY_DAYS}).",
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "created", "expiry", "last_used"]
    list_select_related = ["user"]
    list_filter = ["scope"]
    search_fields = ["name"]
    raw_id_fields = ["user"]  # superusers choose among every user: not a select of all of them
    readonly_fields = ["name", "user", "scope", "created", "expiry", "last_used"]
    add_form = ApiTokenAddForm
    issued_template = "admin/tokens/apitoken/issued.html"

    def _is_staff(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def _owns(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.user_id == request.user.pk

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    # Tokens are a user's own business, not a permission an administrator grants: any staff user has
    # the page, and the queryset keeps each to their own tokens.
    def has_module_permission(self, request) -> bool:
        return self._is_staff(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_staff(request) and self._owns(request, obj)

    def has_add_permission(self, request) -> bool:
        return self._is_staff(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_staff(request) and self._owns(request, obj)

    def get_fields(self, request, obj=None):
        if obj is not None:
            return self.readonly_fields
        fields = ["name", "scope", "expires_in_days"]
        return ["user", *fields] if request.user.is_superuser else fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        obj._secret = token_prepare(obj, expires_in_days=form.cleaned_data["expires_in_days"])
        obj.save()

    def response_add(self, request, obj, post_url_continue=None):
        # The page itself shows the secret: no redirect, so that it never waits anywhere to be shown.
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Token issued: {obj.name}",
            "token": obj,
            "secret": obj._secret,
        }
        # The admin's views are never cached (no-store): nor is this page, secret and all.
        return TemplateResponse(request, self.issued_template, context)
