"""`manage.py check` refuses a school view that does not say who may use it (DESIGN.md §3).

The runtime refuses such a view anyway (the API's default permission, the middleware for
pages); this check says so before anyone requests it:

- registers.E001: an API view under a school URL replaced the default permission
  (`SchoolRole`) without declaring itself `public = True`;
- registers.E002: a page under `/<school_slug>/` declares no roles (`roles_required` or
  `open_to_members`), so every request to it is refused.
- registers.W003 (`--deploy`): two-factor sign-in is not enforced.
"""

from django.core import checks
from django.urls import URLResolver, get_resolver

from .permissions import declares_roles


def school_routes(patterns=None, prefix="", params=()):
    """(pattern, view callback) of every route whose URL carries `school_slug`."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        names = params + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            yield from school_routes(entry.url_patterns, prefix + str(entry.pattern), names)
        elif "school_slug" in names:
            yield prefix + str(entry.pattern), entry.callback


@checks.register(checks.Tags.security)
def school_views_declare_who_may_use_them(app_configs=None, **kwargs):
    from .api.permissions import SchoolRole

    errors = []
    for pattern, callback in school_routes():
        view_class = getattr(callback, "cls", None)  # a DRF view
        if view_class is not None:
            permissions = getattr(view_class, "permission_classes", ())
            if getattr(view_class, "public", False) or any(
                isinstance(p, type) and issubclass(p, SchoolRole) for p in permissions
            ):
                continue
            errors.append(
                checks.Error(
                    f"{view_class.__qualname__} at {pattern} replaces the default SchoolRole "
                    "permission, so school membership is not checked.",
                    hint="Keep SchoolRole among its permission_classes, or set public = True "
                    "if the endpoint is meant for anyone.",
                    obj=view_class,
                    id="registers.E001",
                )
            )
        elif not declares_roles(callback):
            errors.append(
                checks.Error(
                    f"The page {callback.__module__}.{callback.__qualname__} at {pattern} "
                    "declares no roles, so the middleware refuses every request to it.",
                    hint="Decorate it with roles_required(...) or open_to_members "
                    "(registers.permissions).",
                    obj=callback,
                    id="registers.E002",
                )
            )
    return errors


@checks.register(checks.Tags.security, deploy=True)
def two_factor_enforced(app_configs=None, **kwargs):
    """registers.W003 (`check --deploy`): two-factor sign-in is not enforced, as in the
    demo (settings.TWO_FACTOR_ENFORCED)."""
    from django.conf import settings

    if getattr(settings, "TWO_FACTOR_ENFORCED", True):
        return []
    return [
        checks.Warning(
            "Two-factor sign-in is not enforced (TWO_FACTOR_ENFORCED is off): staff who see "
            "safeguarding data can sign in with a password alone.",
            hint="Leave TWO_FACTOR_ENFORCED unset (on) outside the demo.",
            id="registers.W003",
        )
    ]
