"""The admin's account pages: a throttled login, and each editor's own display name.

Both are mounted in front of the admin's own URLs (factcheck/urls.py): the login at the admin's
login address, so every link to it (and `reverse("admin:login")`) leads here.
"""

import math
from types import SimpleNamespace

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from claims.api.throttling import LoginAccountThrottle, LoginThrottle
from claims.models import Profile, display_name_of

# What a refused login says, whether or not the account exists: the wait, and nothing about the name.
LOCKED_OUT = "Too many login attempts. Try again in {minutes} minute{s}."


def login_wait(request) -> float | None:
    """Seconds until this login may be tried, if the address or the account has had too many tries.

    The same counters as the API's token endpoint (claims.api.throttling): guesses count against one
    budget whichever door they come through. Every throttle counts the attempt, as in DRF's views.
    """
    view = SimpleNamespace(throttle_scope="login")
    throttles = [LoginThrottle(), LoginAccountThrottle()]
    waits = [throttle.wait() for throttle in throttles if not throttle.allow_request(request, view)]
    return max(waits) if waits else None


@sensitive_post_parameters()  # as Django's own login view: passwords stay out of error reports
@never_cache
def admin_login(request, **kwargs):
    """Django's admin login, throttled per address and per account (docs/security.md, "Accounts")."""
    if request.method == "POST":
        wait = login_wait(request)
        if wait is not None:
            minutes = max(1, math.ceil(wait / 60))
            context = {
                **admin.site.each_context(request),
                "title": "Log in",
                "app_path": request.get_full_path(),
                "form": AuthenticationForm(request),
                "next": request.POST.get("next", ""),
                "refusal": LOCKED_OUT.format(minutes=minutes, s="" if minutes == 1 else "s"),
            }
            response = TemplateResponse(request, "admin/claims/login_refused.html", context, status=429)
            response["Retry-After"] = str(math.ceil(wait))
            return response
    return admin.site.login(request, **kwargs)


class DisplayNameForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name"]


def display_name_page(request):
    """An editor sets the name the public sees on their work: their own (a superuser sets others' on the user page)."""
    profile = getattr(request.user, "profile", None) or Profile(user=request.user)
    form = DisplayNameForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"The public now sees your work as by “{form.instance.display_name}”.")
        return redirect("admin:index")
    context = {
        **admin.site.each_context(request),
        "title": "Your display name",
        "form": form,
        "current": display_name_of(request.user),
    }
    return TemplateResponse(request, "admin/claims/display_name.html", context)


display_name_view = admin.site.admin_view(display_name_page)
