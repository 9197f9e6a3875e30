"""The template language schools write their letters in: Django's, cut down.

A school's wording is untrusted input rendered on our servers, so it gets an engine of
its own: no loaders (no `{% include %}`, `{% extends %}`), no `{% load %}`, no
`{% debug %}`, only the tags and filters listed here, autoescaping on. The context is
plain data (read-only mappings and tuples built by `letters.context`), never model
instances, so `{{ pupil.school.memberships }}` has nothing to walk. On top of that,
`template_errors` refuses at save time any variable that is not documented, and any
HTML beyond simple formatting, so a mistake is found by the person typing it, not at
send time.
"""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from types import MappingProxyType

from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters
from django.template import defaulttags as tags
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.utils.safestring import SafeString

SAFE_TAGS = ("if", "for", "with", "firstof", "comment")
SAFE_FILTERS = (
    "add",
    "capfirst",
    "cut",
    "date",
    "default",
    "default_if_none",
    "divisibleby",
    "first",
    "floatformat",
    "join",
    "last",
    "length",
    "linebreaksbr",
    "lower",
    "pluralize",
    "slice",
    "time",
    "title",
    "truncatechars",
    "truncatewords",
    "upper",
    "yesno",
)
# Formatting a letter needs no more; no images, links, styles or scripts.
SAFE_HTML_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "hr"}
    | {"table", "thead", "tbody", "tr", "th", "td", "span", "div", "small"}
)
SAFE_HTML_ATTRIBUTES = frozenset({"class", "colspan", "rowspan"})

register = Library()
for _name in SAFE_TAGS:
    register.tag(_name, tags.register.tags[_name])
for _name in SAFE_FILTERS:
    register.filter(_name, defaultfilters.register.filters[_name])


class _SandboxEngine(Engine):
    # Engine() always adds Django's full builtins; this engine starts from nothing.
    default_builtins: list[str] = []


@lru_cache(maxsize=1)
def engine() -> Engine:
    return _SandboxEngine(
        builtins=["letters.sandbox"],
        libraries={},
        loaders=[],
        autoescape=True,
        debug=True,  # keeps line numbers for error messages
        string_if_invalid="",
    )


def freeze(value):
    """Read-only copies: a template cannot call `dict.clear` or `list.pop` on its data."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def render(source: str, context: dict) -> SafeString:
    """Render a school's wording against the documented context (autoescaped)."""
    template = engine().from_string(source)
    return SafeString(template.render(Context(freeze(context), autoescape=True)))


# ---- Save-time checks --------------------------------------------------------------


def template_errors(source: str, allowed: frozenset[str]) -> list[str]:
    """Messages for everything wrong with a wording; empty when it can be saved.

    `allowed` is the set of documented variable paths, with list items written
    `contacts[].name`.
    """
    try:
        template = engine().from_string(source)
    except TemplateSyntaxError as exc:
        return [_syntax_message(exc)]
    errors = _html_errors(source)
    checker = _VariableChecker(allowed)
    checker.walk(template.nodelist, {})
    return errors + checker.errors


_INVALID_TAG = re.compile(r"Invalid block tag on line (\d+): '([^']+)'")
_INVALID_FILTER = re.compile(r"Invalid filter: '([^']+)'")


def _syntax_message(exc: TemplateSyntaxError) -> str:
    text = str(exc)
    line = getattr(exc, "template_debug", {}).get("line")
    where = f"Line {line}: " if line else ""
    if match := _INVALID_TAG.search(text):
        tag = match.group(2)
        if tag.startswith(("end", "else", "elif", "empty")):
            return f"Line {match.group(1)}: {{% {tag} %}} has no matching opening tag."
        allowed = ", ".join(f"{{% {t} %}}" for t in SAFE_TAGS)
        line = match.group(1)
        return f"Line {line}: {{% {tag} %}} cannot be used in letters. Allowed: {allowed}."
    if match := _INVALID_FILTER.search(text):
        allowed = ", ".join(SAFE_FILTERS)
        return f"{where}the filter |{match.group(1)} cannot be used in letters. Allowed: {allowed}."
    return f"{where}{text}"


class _HTMLChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag not in SAFE_HTML_TAGS:
            self.errors.append(f"Line {line}: <{tag}> cannot be used in letters.")
            return
        for name, _value in attrs:
            if name not in SAFE_HTML_ATTRIBUTES:
                self.errors.append(f'Line {line}: the attribute {name}="..." cannot be used.')

    handle_startendtag = handle_starttag


def _html_errors(source: str) -> list[str]:
    checker = _HTMLChecker()
    checker.feed(source)
    checker.close()
    return checker.errors


class _VariableChecker:
    """Walks a compiled template and checks every variable against the documented paths.

    Catches what a trial render cannot: variables inside `{% if %}` conditions and in
    branches the sample data does not take.
    """

    LOOP_VARS = frozenset(
        {"counter", "counter0", "revcounter", "revcounter0", "first", "last", "length"}
    )

    CONSTANTS = frozenset({"True", "False", "None"})

    def __init__(self, allowed: frozenset[str]):
        self.allowed = allowed
        self.errors: list[str] = []

    def walk(self, nodelist, scope: dict[str, str | None]):
        for node in nodelist:
            self.node(node, scope)

    def node(self, node: Node, scope):
        line = node.token.lineno if getattr(node, "token", None) else None
        if isinstance(node, VariableNode):
            self.expression(node.filter_expression, scope, line)
        elif isinstance(node, tags.ForNode):
            base = self.expression(node.sequence, scope, line)
            inner = {**scope, "forloop": "forloop"}
            for name in node.loopvars:
                inner[name] = f"{base}[]" if base else None
            self.walk(node.nodelist_loop, inner)
            self.walk(node.nodelist_empty, scope)
        elif isinstance(node, tags.IfNode):
            for condition, nodelist in node.conditions_nodelists:
                if condition is not None:
                    self.condition(condition, scope, line)
                self.walk(nodelist, scope)
        elif isinstance(node, tags.WithNode):
            inner = dict(scope)
            for name, expression in node.extra_context.items():
                inner[name] = self.expression(expression, scope, line)
            self.walk(node.nodelist, inner)
        elif isinstance(node, tags.FirstOfNode):
            for expression in node.vars:
                self.expression(expression, scope, line)
        else:
            for attr in getattr(node, "child_nodelists", ()):
                self.walk(getattr(node, attr, None) or [], scope)

    def condition(self, condition, scope, line):
        if isinstance(getattr(condition, "value", None), FilterExpression):
            self.expression(condition.value, scope, line)
        for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
            if part is not None:
                self.condition(part, scope, line)

    def expression(self, expression: FilterExpression, scope, line) -> str | None:
        """Check a variable and its filter arguments; return its documented path."""
        for _func, args in expression.filters:
            for is_lookup, arg in args:
                if is_lookup:
                    self.variable(arg, scope, line)
        if isinstance(expression.var, Variable):
            return self.variable(expression.var, scope, line)
        return None

    def variable(self, var: Variable, scope, line) -> str | None:
        if var.lookups is None:  # a literal
            return None
        first, *rest = var.lookups
        bits = ["[]" if bit.isdigit() else bit for bit in rest]
        shown = ".".join(var.lookups)
        if first in self.CONSTANTS and not bits:
            return None
        if first in scope:
            base = scope[first]
            if base == "forloop":
                if len(bits) == 1 and bits[0] in self.LOOP_VARS:
                    return None
                return self.unknown(shown, line)
            if base is None:
                return None if not bits else self.unknown(shown, line)
            path = base
        else:
            path = first
        for bit in bits:
            path = f"{path}[]" if bit == "[]" else f"{path}.{bit}"
        if path not in self.allowed:
            return self.unknown(shown, line)
        return path

    def unknown(self, shown: str, line) -> None:
        where = f"Line {line}: " if line else ""
        self.errors.append(
            f"{where}{{{{ {shown} }}}} is not one of the letter's variables (see the list)."
        )
        return None
