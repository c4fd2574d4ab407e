"""The admin site: Django's, with the desk's two counts on its front page."""

from django.contrib import admin

from claims.models import Claim, Story


class ProvenanceAdminSite(admin.AdminSite):
    site_header = "Provenance"
    site_title = "Provenance"
    index_title = "Claims, sources and their provenance"

    def index(self, request, extra_context=None):
        user = request.user
        desk = {}
        if user.has_perm("claims.view_claim"):
            desk["awaiting_review"] = Claim.objects.awaiting_review().count()
        if user.has_perm("claims.view_story"):
            desk["needing_correction"] = Story.objects.needing_correction().count()
        return super().index(request, {"desk": desk, **(extra_context or {})})
