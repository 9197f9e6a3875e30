"""The template language schools write their letters in: Django's, cut down.

A school's wording is untrusted input rendered on our servers, so it gets an engine of
its own: no loaders (no `{% include %}`, `{% extends %}`), no `{% load %}`, no
`{% debug %}`, only the tags and filters listed here, autoescaping on. The context is
plain data (read-only mappings and tuples built by `letters.context`), never model
instances, so `{{ pupil.school.memberships }}` has nothing to walk. On top of that,
`template_errors` refuses at save time any variable that is not documented, and any
HTML beyond simple formatting, so a mistake is found by the person typing it, not at
send time.

What a wording produces is checked too, because the source check cannot see it all:
string literals are "safe" in Django, so `{{ "<"|add:"script>" }}` would print a tag the
source does not show. Every render refuses HTML outside the allowed tags and
attributes, and a wording cannot make the server do unbounded work: each filter's
result is capped (nested `{% with %}` could otherwise double a string at every level),
loops go only through the documented lists and never inside each other, and the
wording and what it prints have a maximum length.
"""

from __future__ import annotations

import re
from functools import lru_cache, wraps
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

# Limits that keep a wording's work small whatever it does (a letter needs far less).
MAX_SOURCE = 10_000  # characters of wording
MAX_VALUE = 2_000  # characters (or list items) one filter may produce
MAX_OUTPUT = 100_000  # characters a wording may print


class WordingError(ValueError):
    """A wording asked for more than letters allow, found while rendering it."""


def _bounded(func):
    """The filter, refusing a result over MAX_VALUE (flags such as is_safe are kept)."""

    @wraps(func)
    def bounded(*args, **kwargs):
        result = func(*args, **kwargs)
        if isinstance(result, str | tuple | list) and len(result) > MAX_VALUE:
            raise WordingError(f"A filter in the wording makes more than {MAX_VALUE:,} characters.")
        return result

    return bounded


register = Library()
for _name in SAFE_TAGS:
    register.tag(_name, tags.register.tags[_name])
for _name in SAFE_FILTERS:
    register.filter(_name, _bounded(defaultfilters.register.filters[_name]))


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
    """Render a school's wording against the documented context (autoescaped).

    Raises WordingError when the result is too long or holds HTML letters do not allow.
    """
    template = engine().from_string(source)
    html = template.render(Context(freeze(context), autoescape=True))
    if len(html) > MAX_OUTPUT:
        raise WordingError(f"The wording prints more than {MAX_OUTPUT:,} characters.")
    if bad := unsafe_markup(html):
        raise WordingError(f"The wording makes HTML that letters cannot use: {bad}")
    return SafeString(html)


# A tag as a browser reads it: a name, then attributes (quoted or not), then > or />.
_SPACE = r"[ \t\n\f\r]"
_VALUE = r"""(?:"[^"]*"|'[^']*'|[^ \t\n\f\r"'=<>`]+)"""
_ATTRIBUTE = re.compile(rf"{_SPACE}+([a-z][a-z0-9-]*){_SPACE}*={_SPACE}*{_VALUE}", re.I)
_TAG = re.compile(rf"</?([a-z][a-z0-9]*)((?:{_ATTRIBUTE.pattern})*){_SPACE}*/?>", re.I)
# Where a browser starts reading markup; a "<" before anything else is text.
_MARKUP = re.compile(r"<[a-z/!?]", re.IGNORECASE)


def unsafe_markup(html: str) -> str | None:
    """The first piece of markup in rendered wording that letters do not allow, or None.

    Strict on purpose: every place a browser would start a tag, comment or declaration
    must be an allowed tag with allowed attributes, so no parser can read it otherwise.
    """
    pos = 0
    while found := _MARKUP.search(html, pos):
        tag = _TAG.match(html, found.start())
        if (
            tag is None
            or tag.group(1).lower() not in SAFE_HTML_TAGS
            or any(
                name.lower() not in SAFE_HTML_ATTRIBUTES
                for name in _ATTRIBUTE.findall(tag.group(2))
            )
        ):
            return html[found.start() : found.start() + 40]
        pos = tag.end()
    return None


# ---- Save-time checks --------------------------------------------------------------


def template_errors(
    source: str, allowed: frozenset[str], lists: frozenset[str] = frozenset()
) -> list[str]:
    """Messages for everything wrong with a wording; empty when it can be saved.

    `allowed` is the set of documented variable paths, with list items written
    `contacts[].name`; `lists` the documented paths a `{% for %}` may go through.
    """
    if len(source) > MAX_SOURCE:
        return [f"The wording is too long: at most {MAX_SOURCE:,} characters."]
    try:
        template = engine().from_string(source)
    except TemplateSyntaxError as exc:
        return [_syntax_message(exc)]
    errors = _html_errors(source)
    checker = _VariableChecker(allowed, lists)
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

    def __init__(self, allowed: frozenset[str], lists: frozenset[str]):
        # A list of plain values (address lines) has items of its own: `{{ line }}`.
        items = {f"{p}[]" for p in lists if not any(a.startswith(f"{p}[].") for a in allowed)}
        self.allowed = allowed | items
        self.lists = lists
        self.errors: list[str] = []

    def walk(self, nodelist, scope: dict[str, str | None]):
        for node in nodelist:
            self.node(node, scope)

    def node(self, node: Node, scope):
        line = node.token.lineno if getattr(node, "token", None) else None
        if isinstance(node, VariableNode):
            self.expression(node.filter_expression, scope, line)
        elif isinstance(node, tags.ForNode):
            known = len(self.errors)
            base = self.expression(node.sequence, scope, line)
            where = f"Line {line}: " if line else ""
            if "forloop" in scope:
                self.errors.append(f"{where}a {{% for %}} cannot be inside another one.")
            elif base not in self.lists and len(self.errors) == known:
                names = ", ".join(sorted(self.lists)) or "none"
                self.errors.append(f"{where}{{% for %}} can only go through a list: {names}.")
            inner = {**scope, "forloop": "forloop"}
            for name in node.loopvars:
                inner[name] = f"{base}[]" if base in self.lists else None
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
        """Check a variable and its filter arguments; return its documented path.

        A filtered value has no path: filters change what it is (`join` makes a list a
        string), so a `{% with %}` name for it can be printed but not looped or walked.
        """
        for _func, args in expression.filters:
            for is_lookup, arg in args:
                if is_lookup:
                    self.variable(arg, scope, line)
        if isinstance(expression.var, Variable):
            path = self.variable(expression.var, scope, line)
            return None if expression.filters else path
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
