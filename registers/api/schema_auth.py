"""The API token's security scheme in the OpenAPI schema (imported by views.py)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "registers.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Made on /accounts/api-tokens/ (named, with an expiry); sent as "
            '"Token <token>". It stops working when it expires, is revoked, or its owner '
            "no longer holds a role.",
        }
