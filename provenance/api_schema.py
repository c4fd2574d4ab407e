"""The OpenAPI schema of every API operation: drf-spectacular's, plus what it leaves out.

drf-spectacular documents the answers a view gives itself; the errors DRF gives on the view's
behalf (a bad parameter, no such slug, an unknown token, a refused permission, too many requests)
and the headers the middleware adds it does not. They are added here for every operation, from what
the view is: so a new endpoint is documented without saying so, and the Schemathesis run
(tests/test_openapi.py) holds each answer to the schema. What only one view does (If-Match, the
headers it sets itself) that view declares, and the answers that follow from it are added here.
"""

from django.conf import settings
from django.db import models
from django.db.models.deletion import get_candidate_relations_to_delete
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_view_model
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    DjangoModelPermissionsOrAnonReadOnly,
    IsAuthenticated,
    IsAuthenticatedOrReadOnly,
)

from claims.api.negotiation import NamedFormatNegotiation


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words.")


PARAMETER_ERRORS = {
    "type": "object",
    "description": "Each rejected query parameter under its own name, with what is wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"credibility_min": ["Select a valid choice. nine is not one of the available choices."]},
}

FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Each rejected field under its own name, nested as the input is (a list of messages, or the "
        "nested field's own errors); `non_field_errors` for what concerns several fields."
    ),
    "additionalProperties": {},
}

CONDITIONAL_GET = "django.middleware.http.ConditionalGetMiddleware"


def is_json(media_type):
    return media_type == "application/json" or media_type.endswith("+json")


class ProvenanceAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self.describe_lookup(operation)
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        self.describe_filters(parameters)
        if "requestBody" in operation:
            self.add_error(responses, "400", self.component("FieldErrors", FIELD_ERRORS), "Invalid input.")
        elif any(parameter["in"] == "query" for parameter in parameters) or self.names_unknown_formats():
            self.add_error(responses, "400", self.component("ParameterErrors", PARAMETER_ERRORS), self.parameter_errors_description())
        if any(parameter["in"] == "path" for parameter in parameters):
            self.add_error(responses, "404", ErrorSerializer, self.not_found_description())
        elif self._is_list_view() and self._get_paginator() is not None:
            self.add_error(responses, "404", ErrorSerializer, "No such page of this list.")
        if any(issubclass(authentication, TokenAuthentication) for authentication in self.view.authentication_classes):
            self.add_error(
                responses, "401", ErrorSerializer,
                "The token in the Authorization header is unknown or malformed." if {} in operation.get("security", [{}])
                else "No credentials (this needs them), or the token in the Authorization header is unknown or malformed.",
                headers={"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`"}},
            )
        if self.refuses_the_signed_in():
            self.add_error(
                responses, "403", ErrorSerializer,
                "Signed in, but not allowed this: the user's role lacks the permission, or a session came without its CSRF token.",
            )
        if self.method == "DELETE" and self.deletion_can_be_refused(get_view_model(self.view, emit_warnings=False)):
            self.add_error(responses, "409", ErrorSerializer, f"Something depends on this {self.model_name()}: `detail` says what.")
        self.describe_preconditions(responses, parameters)
        if self.view.throttle_classes:
            self.add_error(
                responses, "429", ErrorSerializer, "Over the request rate for this token or anonymous address.",
                headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}},
            )
        self.describe_successes(responses)
        return operation

    def get_auth(self):
        """drf-spectacular marks a read open to anonymous callers only under AllowAny or
        IsAuthenticatedOrReadOnly alone; DjangoModelPermissionsOrAnonReadOnly opens reads too."""
        auths = super().get_auth()
        readers = (AllowAny, IsAuthenticatedOrReadOnly, DjangoModelPermissionsOrAnonReadOnly)
        permissions = self.view.get_permissions()
        if self.method in SAFE_METHODS and permissions and all(isinstance(permission, readers) for permission in permissions):
            if {} not in auths:
                auths.append({})
        return auths

    def component(self, name, schema):
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def add_error(self, responses, code, body, description, headers=None):
        """An error answer, unless the view documents its own under that code: in JSON, whatever
        format was asked for (the CSV renderer answers an error in JSON, having no table for it)."""
        if code in responses:
            return
        response = self._get_response_for_code(body, code, [media_type for media_type in self.map_renderers("media_type") if is_json(media_type)])
        response["description"] = description
        if headers:
            response["headers"] = headers
        responses[code] = response

    def names_unknown_formats(self):
        """Whether a format not offered here answers 400 naming `format` (NamedFormatNegotiation),
        from `?format=` or a suffix (`/claims/x.csv/`), even where no parameter is documented."""
        return issubclass(self.view.content_negotiation_class, NamedFormatNegotiation)

    def parameter_errors_description(self):
        if self.names_unknown_formats():
            return "Invalid query parameters, or a format not offered here (by `?format=` or a suffix such as `.csv`)."
        return "Invalid query parameters."

    def refuses_the_signed_in(self):
        """Whether DRF may answer a signed-in caller 403 here: a write that asks more of them than
        being signed in (Django's model permissions ask nothing of a read), or a write in a session,
        which must carry its CSRF token."""
        if self.method in SAFE_METHODS:
            return False
        sessions = any(issubclass(authentication, SessionAuthentication) for authentication in self.view.authentication_classes)
        who_only = (AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly)
        return sessions or not all(isinstance(permission, who_only) for permission in self.view.get_permissions())

    def deletion_can_be_refused(self, model, seen=frozenset()):
        """Whether deleting a row can meet a PROTECT or RESTRICT, on a relation to it or to a row its
        deletion cascades to: the exception handler (claims.api.errors) answers that 409."""
        if model is None:
            return False
        seen = seen | {model}
        return any(
            relation.on_delete in (models.PROTECT, models.RESTRICT)
            or (relation.on_delete is models.CASCADE and relation.related_model not in seen
                and self.deletion_can_be_refused(relation.related_model, seen))
            for relation in get_candidate_relations_to_delete(model._meta)
        )

    def describe_preconditions(self, responses, parameters):
        """The answers HTTP gives to an If-Match the view asks for: 412 when the version it names is
        no longer the current one (RFC 9110), 428 when it is required and missing (RFC 6585)."""
        held = next((parameter for parameter in parameters if parameter["in"] == "header" and parameter["name"] == "If-Match"), None)
        if held is None:
            return
        self.add_error(
            responses, "412", ErrorSerializer,
            f"The {self.model_name()} changed since the version in If-Match: GET it again and make the change to what it is now.",
        )
        if held.get("required"):
            self.add_error(responses, "428", ErrorSerializer, "No If-Match: send the ETag of the version being changed (GET it first).")

    def describe_successes(self, responses):
        """What drf-spectacular leaves out of a success: that a CSV body is text (its serializer
        gives its columns, not its shape), and the ETag ConditionalGetMiddleware adds to every GET
        answer with a body."""
        for code, response in responses.items():
            if not code.startswith("2"):
                continue
            for media_type, content in response.get("content", {}).items():
                if media_type == "text/csv":
                    content["schema"] = {
                        "type": "string", "description": "CSV (RFC 4180): a header row naming the columns, then a row for each record.",
                    }
            if self.method == "GET" and CONDITIONAL_GET in settings.MIDDLEWARE:
                response.setdefault("headers", {}).setdefault("ETag", {
                    "schema": {"type": "string"},
                    "required": True,
                    "description": "The validator of this answer's body: sent back in If-None-Match, it answers 304 while the body is unchanged.",
                })

    def describe_filters(self, parameters):
        """What drf-spectacular leaves out of django-filter's parameters: an empty value is no
        filter, and a number filter's bounds (`min_value`, `max_value`)."""
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for parameter in parameters:
            if parameter["in"] == "query" and parameter["name"] in filters:
                parameter["allowEmptyValue"] = True
                extra = filters[parameter["name"]].extra
                for keyword, bound in (("min_value", "minimum"), ("max_value", "maximum")):
                    if extra.get(keyword) is not None:
                        parameter["schema"][bound] = extra[keyword]

    def lookup_name(self):
        return getattr(self.view, "lookup_url_kwarg", None) or getattr(self.view, "lookup_field", None)

    def describe_lookup(self, operation):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == self.lookup_name():
                parameter["description"] = f"The {self.model_name()}'s {parameter['name']}, as the lists give it."

    def not_found_description(self):
        return f"No {self.model_name()} you may see has this {self.lookup_name()}: one you may not see answers exactly the same."

    def model_name(self):
        model = get_view_model(self.view, emit_warnings=False)
        return model._meta.verbose_name if model is not None else "record"
