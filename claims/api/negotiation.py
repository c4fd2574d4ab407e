"""Content negotiation for every API view (DEFAULT_CONTENT_NEGOTIATION_CLASS).

A module of its own: DRF imports it while its views module is still loading, so it imports
nothing that imports those views.
"""

from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class NamedFormatNegotiation(DefaultContentNegotiation):
    """An unknown ?format= answers 400 naming the parameter and the formats on offer (DRF answers a bare 404)."""

    def filter_renderers(self, renderers, format):
        offered = [renderer for renderer in renderers if renderer.format == format]
        if not offered:
            formats = ", ".join(dict.fromkeys(renderer.format for renderer in renderers))
            raise ValidationError({"format": [f"Unknown format “{format}”: choose one of {formats}."]})
        return offered
