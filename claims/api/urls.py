from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from claims.api import jsonld, views

router = DefaultRouter()
router.register("sources", views.SourceViewSet)
router.register("articles", views.ArticleViewSet)
router.register("topics", views.TopicViewSet)
router.register("claims", views.ClaimViewSet)
router.register("links", views.ClaimLinkViewSet)
router.register("reviews", views.ReviewViewSet)

urlpatterns = [
    path("", include(router.urls)),
    path("claimreview/", jsonld.ClaimReviewFeed.as_view(), name="claimreview-feed"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
