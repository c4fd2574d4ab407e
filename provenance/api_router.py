"""Every API resource, on one router, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from claims.api.views import ClaimViewSet, DocumentViewSet, SourceViewSet, StoryViewSet

router = DefaultRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("sources", SourceViewSet, basename="source")
router.register("documents", DocumentViewSet, basename="document")
router.register("stories", StoryViewSet, basename="story")
