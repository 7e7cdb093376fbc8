from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from claims import views
from claims.admin import accounts

urlpatterns = [
    path("", RedirectView.as_view(url="/api/", permanent=False)),
    # In front of the admin's own login: the same page, throttled (claims.admin.accounts).
    path("admin/login/", accounts.admin_login, name="admin-login-throttled"),
    path("admin/display-name/", accounts.display_name_view, name="admin-display-name"),
    path("admin/", admin.site.urls),
    path("api/", include("claims.api.urls")),
    path("claims/<str:pk>/", views.claim_page, name="claim-page"),
    path("articles/<str:pk>/", views.article_page, name="article-page"),
    path("healthz", views.health, name="health"),
]

# With DEBUG off: a database outage anywhere (even in middleware) is a 503, other errors a plain 500.
handler500 = "claims.views.server_error"
