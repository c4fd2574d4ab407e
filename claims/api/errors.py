"""The API's answers to refused writes: the models' own refusals, in HTTP.

The models and services refuse bad writes with Django's exceptions, naming the field (the admin
shows the same messages). Here they become 400 with each message under its field's name, and a
deletion something depends on becomes 409 saying what; never a 500.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as ModelValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionRequired(APIException):
    status_code = 428
    default_detail = "Send the ETag of the version you are changing in If-Match (GET it first): a change to an unread version is refused."
    default_code = "precondition_required"


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This changed since the version you hold (your If-Match): GET it again and make your change to what it is now."
    default_code = "precondition_failed"


def exception_handler(error, context):
    if isinstance(error, ModelValidationError):
        error = ValidationError(_by_field(error))
    elif isinstance(error, (ProtectedError, RestrictedError)):
        return Response({"detail": error.args[0]}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(error, context)


def _by_field(error):
    if not hasattr(error, "error_dict"):
        return {"non_field_errors": error.messages}
    return {
        ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }
