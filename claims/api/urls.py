from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from claims.api import changes, jsonld, views
from claims.api.tokens import ObtainToken, TokenViewSet
from claims.webhooks.api import SubscriptionViewSet


@csrf_exempt  # it changes nothing, and must answer a DELETE with a 404, not a CSRF failure page
def not_found(request, *args, **kwargs):
    """Any other path under /api/ is a 404 in the API's own shape (JSON), not Django's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


router = DefaultRouter()
router.register("sources", views.SourceViewSet)
router.register("articles", views.ArticleViewSet)
router.register("topics", views.TopicViewSet)
router.register("claims", views.ClaimViewSet)
router.register("links", views.ClaimLinkViewSet)
router.register("appearances", views.AppearanceViewSet)
router.register("reviews", views.ReviewViewSet)
router.register("tokens", TokenViewSet, basename="tokens")
router.register("webhooks", SubscriptionViewSet, basename="webhooks")

urlpatterns = [
    path("", include(router.urls)),
    path("changes/", changes.ChangeFeed.as_view(), name="change-feed"),
    path("claimreview/", jsonld.ClaimReviewFeed.as_view(), name="claimreview-feed"),
    path("extract/", views.ExtractView.as_view(), name="extract"),
    path("auth/token/", ObtainToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Only paths with the trailing slash, so that /api/claims still redirects to /api/claims/.
    re_path(r"^.*/$", not_found),
]
