"""What drf-spectacular needs to know about our own serializer fields."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers

from claims.models import MAX_ID


class NestedPrimaryKeyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Requests carry an integer id; responses carry the nested brief object."""

    target_class = "claims.api.fields.NestedPrimaryKeyRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        component = auto_schema.resolve_serializer(self.target.serializer_class, direction)
        return component.ref


class StrictManyRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A list of ids, each at most once (a topic listed twice is refused)."""

    target_class = "claims.api.fields.StrictManyRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        items = auto_schema._map_serializer_field(self.target.child_relation, direction)
        return {"type": "array", "items": items, **({"uniqueItems": True} if direction == "request" else {})}


class ErrorSerializer(serializers.Serializer):
    """An error that is not about one field: `{"detail": "..."}`."""

    detail = serializers.CharField()


VALIDATION_ERROR = {
    "type": "object",
    "description": "Input refused. Each field at fault is a key with its messages (a list of strings, or, "
    "for a list field, messages per item); errors about several fields together are under "
    "`non_field_errors`; a body that is not valid JSON gets `detail`.",
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"description": "Messages about the field of that name."},
}


ERRORS = {
    "400": OpenApiResponse(VALIDATION_ERROR, "Bad input: the fields at fault and why."),
    "401": OpenApiResponse(ErrorSerializer, "No valid credentials were given."),
    "403": OpenApiResponse(ErrorSerializer, "The user may not do this."),
    "404": OpenApiResponse(ErrorSerializer, "No such object (or page)."),
    "409": OpenApiResponse(
        VALIDATION_ERROR,
        "Refused by the record's current state: other records depend on this one; a slug, URL or link "
        "that already exists; a related record that does not exist; a rule that depends on other records; "
        "or a concurrent write. Fields at fault are named as for 400.",
    ),
    "304": OpenApiResponse(
        description="Not Modified: If-None-Match names the current representation. No body; the `ETag` and "
        "`Cache-Control` are those a 200 would have."
    ),
    "412": OpenApiResponse(ErrorSerializer, "If-Match does not match the current version: changed since read."),
    "413": OpenApiResponse(ErrorSerializer, "The request body is larger than the service accepts."),
    "414": OpenApiResponse(
        ErrorSerializer,
        "The URL is longer than the server reads (about 8 KB): shorten the query. Sent by the HTTP server, "
        "whose body may not be JSON.",
    ),
    "429": OpenApiResponse(
        ErrorSerializer,
        "Too many requests from this client; `Retry-After` says how many seconds to wait.",
    ),
    "503": OpenApiResponse(
        ErrorSerializer,
        "The database is unavailable or the query took too long; retry after `Retry-After` seconds.",
    ),
}

IF_MATCH = OpenApiParameter(
    "If-Match",
    # At least one entity tag: a value that is empty (or only commas and spaces) is a 400, as any empty
    # parameter is (docs/design.md, "Empty values").
    {"type": "string", "pattern": "[^ \\t,]"},
    OpenApiParameter.HEADER,
    description='The ETag you read (e.g. "3"): the write happens only if the record is still at that version. '
    "An empty value is refused (400); leave the header out to write unconditionally.",
)

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    IF_MATCH.type,  # at least one tag, as for If-Match: an empty value is a 400
    OpenApiParameter.HEADER,
    description="ETags you hold (or `*`): if one still names what this read would answer, the answer is 304 "
    "with no body. A value that names no tag of ours gets the usual answer (200); an empty one is refused (400).",
)


def _conditional_read(view, method: str) -> bool:
    """Whether this operation answers If-None-Match (claims.api.conditional)."""
    from claims.api.conditional import ConditionalReadMixin  # the views import this module

    return method == "GET" and isinstance(view, ConditionalReadMixin) and not view.no_store


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema plus the error responses each kind of operation can give."""

    def _error_codes(self) -> list[str]:
        has_id = "{" in self.path
        if self.method == "GET":
            # a bad parameter; a page past the end, or no such record; a copy still current
            return ["304", "400", "404"] if _conditional_read(self.view, self.method) else ["400", "404"]
        codes = ["400", "401", "403"]  # a DELETE's 400: an If-Match that names no version
        if has_id:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes.append("412")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        return codes

    def _limit_codes(self) -> list[str]:
        # Any request can be throttled, have a URL longer than the server reads, or meet an unavailable
        # database.
        return ["414", "429", "503"]

    def get_auth(self):
        auths = super().get_auth()
        perms = self.view.get_permissions()
        # drf-spectacular knows AllowAny and IsAuthenticatedOrReadOnly, not our read rule or an
        # endpoint with no permission classes (the token endpoint): both are open without credentials.
        anonymous = not perms or (
            self.method in permissions.SAFE_METHODS
            and any(isinstance(p, permissions.DjangoModelPermissionsOrAnonReadOnly) for p in perms)
        )
        if anonymous and {} not in auths:
            auths.append({})
        return auths

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def get_override_parameters(self):
        params = super().get_override_parameters()
        if self._action() in ("update", "partial_update", "destroy"):
            params = [*params, IF_MATCH]
        if _conditional_read(self.view, self.method):
            params = [*params, IF_NONE_MATCH]
        return params

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) in ("429", "503"):
            headers["Retry-After"] = {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
        if str(status_code) in ("200", "304") and _conditional_read(self.view, self.method):
            retrieve = self._action() == "retrieve"
            headers["ETag"] = {
                "schema": {"type": "string"},
                "description": (
                    '"<version>.<digest>": the record\'s version, then what else the answer shows. Send it back as '
                    "If-Match to update or delete safely (the version is compared), or as If-None-Match to read "
                    "again only if anything changed."
                    if retrieve
                    else "Names this answer: send it back as If-None-Match to read again only if anything changed."
                ),
            }
            headers["Cache-Control"] = {
                "schema": {"type": "string"},
                "description": "`public, max-age=0, must-revalidate` for anonymous readers, `private, ...` otherwise.",
            }
        if str(status_code) in ("200", "201") and self._action() in ("create", "update", "partial_update"):
            headers["ETag"] = {
                "schema": {"type": "string"},
                "description": "The record's version; send it back as If-Match to update or delete safely.",
            }
        return headers

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code in [*self._error_codes(), *self._limit_codes()]:
            if code not in bodies:
                bodies[code] = self._get_response_for_code(ERRORS[code], code, direction=direction)
        return bodies


def forbid_nul_in_text(result, generator, request, public):
    """drf-spectacular post-processing hook: free-text strings, in bodies and query parameters, may not
    contain NUL (PostgreSQL cannot store it; we refuse it with a 400), which the schema now says."""

    def visit(node):
        if isinstance(node, dict):
            if node.get("type") == "string" and not ({"enum", "format", "pattern"} & node.keys()):
                node["pattern"] = "^[^\\x00]*$"
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(result.get("components", {}).get("schemas", {}))
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    visit(parameter.get("schema", {}))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                visit(content.get("schema", {}))
    return result


def forbid_empty_parameters(result, generator, request, public):
    """drf-spectacular post-processing hook: no query parameter or header may be empty, which the server
    enforces with a 400 naming it (docs/design.md, "Empty values"). Enums already leave "" out; strings
    get a minLength, and a comma-separated list (`ordering=`, where "" would be the empty list) a minItems."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") not in ("query", "header"):
                    continue
                schema = parameter.get("schema", {})
                if schema.get("type") == "string" and "enum" not in schema:
                    schema.setdefault("minLength", 1)
                elif schema.get("type") == "array" and parameter.get("explode") is False:
                    schema.setdefault("minItems", 1)
    return result


def link_created_records(result, generator, request, public):
    """drf-spectacular post-processing hook: OpenAPI links from each create (POST to a list, 201) to every
    operation on the record it made (`{id}/`, and `{id}/history/` and the like), its `id` from the body.

    They tell a client, and Schemathesis' stateful phase, how one response leads to the next request: a
    record is created, then read, changed, deleted, and its history read, by the id the server gave it.
    """
    paths = result.get("paths", {})
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if "{" in path or created is None:
            continue
        record = f"{path}{{id}}/"
        links = {
            operation["operationId"]: {
                "operationId": operation["operationId"],
                "parameters": {"id": "$response.body#/id"},
                "description": f"The {method.upper()} {other} of the record this request created.",
            }
            for other, other_item in paths.items()
            if other.startswith(record)
            for method, operation in other_item.items()
        }
        if links:
            created["links"] = links
    return result
