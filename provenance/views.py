"""Project-wide error pages."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def not_found(request, exception):
    """Under /api/, a URL that names nothing answers in the API's JSON, as a slug that names nothing does."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
