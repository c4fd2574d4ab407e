"""The number of database queries each request ran, in an `X-Query-Count` response header.

For benchmarks (bench/http.py counts the queries of every page it times under a real server):
on only where the setting QUERY_COUNT_HEADER is, from the environment variable of that name. Off
by default, and never to be turned on in production: it would tell anyone how much work each of
their requests costs us.
"""

from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

HEADER = "X-Query-Count"


class QueryCountMiddleware:
    """First in MIDDLEWARE, so the count takes in every other middleware's queries (the session,
    the user) as well as the view's and its template's."""

    def __init__(self, get_response):
        # Settings list this middleware only when the setting is on; it checks again, so that
        # listing it by hand cannot turn it on.
        if not settings.QUERY_COUNT_HEADER:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(counter))
            response = self.get_response(request)
        response.headers[HEADER] = str(counter.count)
        return response


class QueryCounter:
    """An execute wrapper (Django's database instrumentation) that counts what runs through it."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
