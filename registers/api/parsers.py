"""JSON with a nesting limit: deeper than settings.JSON_MAX_DEPTH is a 400.

Python's json module recurses, so 20,000 nested brackets raise RecursionError (a 500).
The size limit is Django's DATA_UPLOAD_MAX_MEMORY_SIZE (DRF reads `request.body`, which
refuses a larger body with a 400); the check here covers a stream read any other way.
"""

import codecs
import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def nesting_depth_exceeds(text: str, limit: int) -> bool:
    """True if brackets outside strings nest deeper than `limit`."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # One byte past the limit is enough to know the body is too large.
        size = -1 if limit is None else limit + 1
        raw = b"" if stream is None else stream.read(size)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"The request body is not {encoding} text.") from exc
        max_depth = settings.JSON_MAX_DEPTH
        if nesting_depth_exceeds(text, max_depth):
            raise ParseError(f"JSON nested more than {max_depth} levels deep is refused.")
        try:
            return json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def _refuse_constant(name: str):
    # NaN and Infinity are not JSON; DRF's own parser refuses them too.
    raise ValueError(f"{name} is not valid JSON")
