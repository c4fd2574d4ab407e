"""Every API resource, on one router, under /api/v1/."""

from rest_framework.routers import DefaultRouter

from claims.api.views import ChangeViewSet, ClaimViewSet, DocumentViewSet, SourceViewSet, StoryViewSet

SLUG_PATTERN = "[-a-zA-Z0-9_]+"  # what Django's SlugField accepts


class SlugRouter(DefaultRouter):
    """Resources looked up by slug answer only to what a slug can be; anything else is a 404 before
    any query (PostgreSQL refuses a NUL byte in a query with an error: a 500, were it let through)."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", None) == "slug" and not hasattr(viewset, "lookup_value_regex"):
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or "slug"
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{SLUG_PATTERN})"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = SlugRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("sources", SourceViewSet, basename="source")
router.register("documents", DocumentViewSet, basename="document")
router.register("stories", StoryViewSet, basename="story")
router.register("changes", ChangeViewSet, basename="change")
