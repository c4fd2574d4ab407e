"""What every page says about who publishes it."""

from django.conf import settings


def organisation(request):
    return {"organisation_name": settings.FACT_CHECK_ORGANISATION_NAME, "organisation_url": settings.FACT_CHECK_ORGANISATION_URL}
