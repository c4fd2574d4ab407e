"""The OpenAPI schema of every API operation: drf-spectacular's, plus what it leaves out.

drf-spectacular documents the answers a view gives itself; the errors DRF gives on the view's
behalf (a bad parameter, no such slug, an unknown token, too many requests) it does not. They are
added here for every operation, from what the view is: so a new endpoint is documented without
saying so, and the Schemathesis run (tests/test_openapi.py) holds each answer to the schema.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_view_model
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, DjangoModelPermissionsOrAnonReadOnly, IsAuthenticatedOrReadOnly


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
        elif any(parameter["in"] == "query" for parameter in parameters):
            self.add_error(responses, "400", self.component("ParameterErrors", PARAMETER_ERRORS), "Invalid query parameters.")
        if any(parameter["in"] == "path" for parameter in parameters):
            self.add_error(responses, "404", ErrorSerializer, self.not_found_description())
        elif self._is_list_view() and self._get_paginator() is not None:
            self.add_error(responses, "404", ErrorSerializer, "No such page of this list.")
        if any(issubclass(authentication, TokenAuthentication) for authentication in self.view.authentication_classes):
            self.add_error(
                responses, "401", ErrorSerializer, "The token in the Authorization header is unknown or malformed.",
                headers={"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`"}},
            )
        if self.view.throttle_classes:
            self.add_error(
                responses, "429", ErrorSerializer, "Over the request rate for this token or anonymous address.",
                headers={"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}},
            )
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
        """An error answer, unless the view documents its own under that code."""
        if code in responses:
            return
        response = self._get_response_for_code(body, code)
        response["description"] = description
        if headers:
            response["headers"] = headers
        responses[code] = response

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
