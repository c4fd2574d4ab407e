"""How the API's lists are cut into pages.

`BoundedPageSize` holds the page-size rule for every paginator: `?page_size=N` asks for N rows, from 1
to `max_page_size`; anything else answers 400 naming `page_size`, rather than DRF's silent fallback
to the default size (a client asking for 1,000 rows would otherwise get 50 and never know why).
Put it first among the bases of any of DRF's paginators (page number or cursor).
"""

import binascii
import datetime
from base64 import b64decode, b64encode

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.fields import DateTimeField
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param


class BoundedPageSize:
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if not value:  # as DRF reads every parameter: empty is not given
            return self.page_size
        # The length first: Python will not read a number of thousands of digits.
        if not (value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"A page size is a whole number from 1 to {self.max_page_size}."]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        others = [parameter for parameter in super().get_schema_operation_parameters(view) if parameter["name"] != self.page_size_query_param]
        page_size = {
            "name": self.page_size_query_param,
            "in": "query",
            "required": False,
            "description": f"Rows per page: 1 to {self.max_page_size} (default {self.page_size}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            "allowEmptyValue": True,
        }
        return [*others, page_size]


class NumberedPagination(BoundedPageSize, pagination.PageNumberPagination):
    """Numbered pages. A page number that is not a whole number from 1 answers 400 naming `page`
    (DRF answers 404, as if the list were missing); one past the last page answers 404, like a slug
    that names nothing."""

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)  # 1 when not given; the last for `last`
        if isinstance(number, int):
            return number
        digits = number.lstrip("0") if number.isascii() and number.isdigit() else ""
        if not digits:
            raise ValidationError({self.page_query_param: ["A page number is a whole number from 1, or `last`."]})
        # Lengths first: Python will not read a number of thousands of digits, and none is a page.
        last = str(paginator.num_pages)
        if len(digits) > len(last) or int(digits) > paginator.num_pages:
            raise NotFound(f"There is no page {digits}: the last page of this list is {last}.")
        return int(digits)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["description"] = "A page number, from 1."
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["allowEmptyValue"] = True
        return parameters


class UpdateOrderPagination(BoundedPageSize, pagination.BasePagination):
    """Pages in the order things changed, each page ending where the next begins (a cursor).

    Made for mirroring: a consumer walks forward from the oldest change to the newest, and what
    changes while it walks moves to the end, where it meets it again. Each list given to
    `paginate_streams` is annotated with its `moment` (when the row last changed); they are
    merged in (moment, primary key) order. The cursor is that pair for the last row served, and
    when the walk began, opaque to the consumer.

    Every page also says where the consumer's next walk should start (`sync_from`): when this walk
    began, less `API_SYNC_OVERLAP_SECONDS`. From there it meets again whatever changed while it
    walked (rows it had already passed, claims withdrawn behind it), and whatever a write still
    committing when it passed had stamped earlier.
    """

    page_size = api_settings.PAGE_SIZE
    cursor_query_param = "cursor"
    invalid_cursor = "This is not a cursor this API gave: follow the `next` link as given."

    def paginate_streams(self, request, *streams):
        """Up to a page of rows from these querysets, merged; each row with the index of its stream."""
        self.request = request
        if "page" in request.query_params:
            raise ValidationError({"page": ["These pages follow a cursor: take each page's `next` link (numbered pages come with `ordering` or `q`)."]})
        size = self.get_page_size(request)
        after, self.walk_began = self.decode_cursor(request)
        rows = []
        for index, stream in enumerate(streams):
            stream = stream.order_by("moment", "pk")
            if after is not None:
                moment, pk = after
                stream = stream.filter(Q(moment__gt=moment) | Q(moment=moment, pk__gt=pk))
            rows.extend((row.moment, row.pk, index, row) for row in stream[: size + 1])
        rows.sort(key=lambda row: row[:2])
        self.has_next, page = len(rows) > size, rows[:size]
        self.last_position = (page[-1][0], page[-1][1]) if page else None
        return [(index, row) for _, _, index, row in page]

    def decode_cursor(self, request):
        """The position after which this page begins (None for the first page), and when the walk began."""
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None, timezone.now()
        try:
            moment, pk, began = b64decode(encoded.encode("ascii"), altchars=b"-_", validate=True).decode("ascii").split("|")
            moment, began = datetime.datetime.fromisoformat(moment), datetime.datetime.fromisoformat(began)
            if moment.tzinfo is None or began.tzinfo is None or not pk.isdigit() or len(pk) > 18:
                raise ValueError(pk)
        except (ValueError, UnicodeError, binascii.Error):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor]}) from None
        return (moment, int(pk)), began

    def next_link(self):
        if not self.has_next:
            return None
        moment, pk = self.last_position
        position = f"{moment.isoformat()}|{pk}|{self.walk_began.isoformat()}"
        cursor = b64encode(position.encode("ascii"), altchars=b"-_").decode("ascii")
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data, **lists):
        sync_from = self.walk_began - datetime.timedelta(seconds=settings.API_SYNC_OVERLAP_SECONDS)
        return Response({"next": self.next_link(), "sync_from": drf_datetime(sync_from), "results": data, **lists})

    def get_paginated_response_schema(self, schema, **lists):
        return {
            "type": "object",
            "required": ["next", "sync_from", "results", *lists],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True, "description": "The next page; null on the last."},
                "sync_from": {
                    "type": "string", "format": "date-time",
                    "description": "Where your next sync starts: keep it from the last page, and send it as `updated_since` "
                                   "(claims) or `since` (changes). When this walk began, less a margin for writes still committing.",
                },
                "results": schema,
                **lists,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Where a page begins: taken from the `next` link of the page before.",
                "schema": {"type": "string"},
            },
            *super().get_schema_operation_parameters(view),  # page_size, from BoundedPageSize
        ]


class ClaimPagination(UpdateOrderPagination):
    """Claims in update order by cursor, for mirroring (with their tombstones alongside); or, sorted
    by `ordering` or by relevance to `q`, in numbered pages, for browsing. The list chooses (see
    ClaimViewSet.list)."""

    def __init__(self):
        self.numbered = NumberedPagination()

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param in request.query_params:
            raise ValidationError({self.cursor_query_param: ["Cursor pages come in update order: leave out `ordering` and `q` to follow them."]})
        return self.numbered.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data, **lists):
        if hasattr(self.numbered, "page"):
            return self.numbered.get_paginated_response(data)
        return super().get_paginated_response(data, **lists)

    def get_paginated_response_schema(self, schema):
        tombstones = {
            "type": "array",
            "description": "With `updated_since`, in update order: claims withdrawn from the public set since then.",
            "items": {"$ref": "#/components/schemas/Tombstone"},
        }
        numbered = self.numbered.get_paginated_response_schema(schema)["properties"]
        cursor = super().get_paginated_response_schema(schema)
        cursor["properties"].update(tombstones=tombstones, count=numbered["count"], previous=numbered["previous"])
        cursor["required"] = ["next", "results"]
        cursor["description"] = (
            "In update order: `next`, `sync_from` and `results` (and `tombstones` with `updated_since`). "
            "With `ordering` or `q`: `count`, `next`, `previous` and `results`."
        )
        return cursor

    def get_schema_operation_parameters(self, view):
        page = next(parameter for parameter in self.numbered.get_schema_operation_parameters(view) if parameter["name"] == "page")
        page["description"] = "With `ordering` or `q`: a page number, from 1."
        return [*super().get_schema_operation_parameters(view), page]


def drf_datetime(moment):
    """A moment written as the API writes every other (UTC, `Z`)."""
    return DateTimeField().to_representation(moment)
