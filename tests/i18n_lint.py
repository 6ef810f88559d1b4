"""Finds user-facing text that is not marked for translation, in templates and Python modules.

Templates: Jinja's lexer splits a template into text and tags; the text (with each Jinja tag
replaced by a placeholder) is read as HTML. Flagged: words between HTML tags and in attributes
a person reads or hears (title, alt, placeholder, aria-label...) outside {% trans %}; string
literals an output expression prints ({{ "Yes" if x else "No" }}) in those places; and text
passed to a macro as help=, label=, title=...

Python: an AST walk over the call sites where text reaches a person: flash(), render_error(),
ValidationError, the domain's errors, WTForms fields (label, description) and validators
(message=), SelectChoice labels, click.echo/prompt, render_kw attributes read aloud, views
returning text, and module-level LABELS/TITLES/MESSAGES tables. A literal there must be wrapped
in _(), _l(), N_() (or gettext, lazy_gettext, ngettext...). Forms must derive from
registry.web.forms (whose WTForms messages are translated), not from flask_wtf or wtforms.

A line holding `# untranslated: <why>` is skipped: for the rare literal that is not text for
people (a code, a format) but sits where text usually does.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import jinja2


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    why: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why}: {self.text!r}"


def has_letters(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------

# Attributes whose value is read (tooltips) or spoken (screen readers).
SPOKEN_ATTRIBUTES = frozenset({
    "title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription",
    "aria-valuetext", "aria-placeholder", "label", "summary", "abbr",
})  # fmt: skip
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
# Keyword arguments that carry text to a macro or a field ({{ input(f, help="...") }}).
TEXT_KEYWORDS = frozenset({
    "help", "label", "title", "message", "placeholder", "description", "caption", "text",
    "heading", "legend", "hint",
})  # fmt: skip
TRANSLATING_CALLS = frozenset({
    "_", "gettext", "ngettext", "pgettext", "npgettext", "_l", "lazy_gettext", "lazy_ngettext",
    "N_", "lazy_pgettext",
})  # fmt: skip
COMPARISON_OPERATORS = frozenset({"==", "!=", "<", ">", "<=", ">="})
COMPARISON_NAMES = frozenset({"in", "is", "not"})

_EXPRESSION = "\ue000{}\ue001"  # an output expression's placeholder, numbered
_STATEMENT = "\ue002"  # a {% ... %} tag's placeholder
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001|\ue002")

_LEXER_ENV = jinja2.Environment(extensions=["jinja2.ext.i18n"])


@dataclass
class _Expression:
    line: int
    tokens: list[tuple[int, str, str]]


def check_template(source: str, path: str = "<template>") -> list[Finding]:
    """Text in one Jinja template that is shown to people without being translated."""
    findings: list[Finding] = []
    html, expressions = _template_as_html(source, path, findings)
    visible = _HtmlText(html, path, findings)
    for index in sorted(visible.shown_expressions):
        findings.extend(_printed_literals(expressions[index], path))
    return sorted(findings, key=lambda finding: (finding.line, finding.text))


def _template_as_html(source: str, path: str,
                      findings: list[Finding]) -> tuple[str, list[_Expression]]:  # fmt: skip
    """The template's text with each tag replaced by a placeholder (newlines kept)."""
    parts: list[str] = []
    expressions: list[_Expression] = []
    in_trans = False
    tokens = list(_LEXER_ENV.lex(source, name=path))
    index = 0
    while index < len(tokens):
        line, kind, value = tokens[index]
        if kind == "data":
            # Text inside {% trans %} is translated: keep its line breaks, not its words.
            parts.append(_STATEMENT + "\n" * value.count("\n") if in_trans else value)
            index += 1
            continue
        end_kind = {"variable_begin": "variable_end", "block_begin": "block_end",
                    "comment_begin": "comment_end", "raw_begin": "raw_end"}.get(kind)  # fmt: skip
        if end_kind is None:
            index += 1
            continue
        inner: list[tuple[int, str, str]] = []
        index += 1
        while index < len(tokens) and tokens[index][1] != end_kind:
            if tokens[index][1] not in ("whitespace",):
                inner.append(tokens[index])
            index += 1
        end_line = tokens[index][0] if index < len(tokens) else line
        index += 1
        newlines = "\n" * (end_line - line)
        findings.extend(_text_keywords(inner, path))
        if kind == "variable_begin":
            parts.append(_EXPRESSION.format(len(expressions)) + newlines)
            expressions.append(_Expression(line, inner))
        else:
            first_name = next((value for _, token_kind, value in inner if token_kind == "name"), "")
            if kind == "block_begin" and first_name == "trans":
                in_trans = True
            elif kind == "block_begin" and first_name == "endtrans":
                in_trans = False
            parts.append(_STATEMENT + newlines)
    return "".join(parts), expressions


def _text_keywords(tokens: list[tuple[int, str, str]], path: str) -> list[Finding]:
    findings = []
    for position in range(len(tokens) - 2):
        (line, kind, value), (_, operator_kind, operator), (_, literal_kind, literal) = (
            tokens[position : position + 3]
        )
        if (kind == "name" and value in TEXT_KEYWORDS and (operator_kind, operator) == (
                "operator", "=") and literal_kind == "string" and has_letters(literal)):  # fmt: skip
            findings.append(Finding(path, line, f"text passed as {value}= without _()", literal))
    return findings


def _printed_literals(expression: _Expression, path: str) -> list[Finding]:
    """String literals an output expression prints as they are: at the top level (not an
    argument of a call), and not an operand of a comparison."""
    findings = []
    depth = 0
    tokens = expression.tokens
    for position, (line, kind, value) in enumerate(tokens):
        if kind == "operator" and value in "([{":
            depth += 1
        elif kind == "operator" and value in ")]}":
            depth -= 1
        elif kind == "string" and depth == 0 and has_letters(value):
            before = tokens[position - 1] if position else None
            after = tokens[position + 1] if position + 1 < len(tokens) else None
            compared = any(
                neighbour is not None and (
                    (neighbour[1] == "operator" and neighbour[2] in COMPARISON_OPERATORS)
                    or (neighbour[1] == "name" and neighbour[2] in COMPARISON_NAMES))
                for neighbour in (before, after)
            )  # fmt: skip
            if not compared:
                findings.append(Finding(path, line, "text printed by an expression without _()",
                                        value))  # fmt: skip
    return findings


class _HtmlText(HTMLParser):
    """Collects untranslated words in text and spoken attributes, and which expressions print
    into such places."""

    def __init__(self, html: str, path: str, findings: list[Finding]) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
        self.findings = findings
        self.shown_expressions: set[int] = set()
        self._raw_text = 0  # inside <script> or <style>
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._raw_text += 1
        kind = dict(attrs).get("type") or ""
        for name, value in attrs:
            spoken = name in SPOKEN_ATTRIBUTES or (
                tag == "input" and name == "value" and kind.lower() in BUTTON_INPUTS)
            if spoken and value:
                self._shown(value, f"untranslated {name}= attribute")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self._raw_text -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._raw_text:
            self._raw_text -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw_text:
            self._shown(data, "untranslated text")

    def _shown(self, text: str, why: str) -> None:
        for match in _PLACEHOLDER.finditer(text):
            if match.group(1) is not None:
                self.shown_expressions.add(int(match.group(1)))
        words = _PLACEHOLDER.sub(" ", text)
        if has_letters(words):
            first_letter = next(i for i, char in enumerate(text) if has_letters(char))
            line = self.getpos()[0] + text[:first_letter].count("\n")
            self.findings.append(Finding(self.path, line, why, " ".join(words.split())))


# --------------------------------------------------------------------------------------------
# Python
# --------------------------------------------------------------------------------------------

DOMAIN_ERRORS = frozenset({
    "DomainError", "NotFound", "StaleVersion", "Forbidden", "NotAllowed", "InvalidDetails",
    "GuardRefused",
})  # fmt: skip
# Callee name -> (positions of text arguments, keywords holding text).
TEXT_ARGUMENTS: dict[str, tuple[tuple[int, ...], frozenset[str]]] = {
    "flash": ((0,), frozenset({"message"})),
    "render_error": ((1,), frozenset({"message"})),
    "ValidationError": ((0,), frozenset({"message"})),
    "StopValidation": ((0,), frozenset({"message"})),
    "SelectChoice": ((1,), frozenset({"label"})),
    "echo": ((0,), frozenset({"message"})),
    "secho": ((0,), frozenset({"message"})),
    "prompt": ((0,), frozenset({"text"})),
    "confirm": ((0,), frozenset({"text"})),
    "ClickException": ((0,), frozenset({"message"})),
    "UsageError": ((0,), frozenset({"message"})),
    "BadParameter": ((0,), frozenset({"message"})),
    **{name: ((0,), frozenset({"message"})) for name in DOMAIN_ERRORS},
}
# Keywords that hold text whatever the call (fields, validators, the workflow's FieldSpec).
TEXT_KEYWORD_ARGUMENTS = frozenset({"label", "description", "message", "title"})
SPOKEN_RENDER_KW = frozenset({"placeholder", "title", "aria-label", "alt", "aria-description"})
TEXT_TABLES = re.compile(r"(LABELS|TITLES|MESSAGES)$")
UNTRANSLATED_FORM_BASES = {("flask_wtf", "FlaskForm"), ("wtforms", "Form"),
                           ("wtforms.form", "Form")}  # fmt: skip
FORMS_MODULE = "registry/web/forms.py"
ROUTE_DECORATORS = frozenset({"route", "get", "post", "put", "patch", "delete"})
EXEMPTION = "# untranslated:"


def check_python(source: str, path: str = "<module>") -> list[Finding]:
    """Text in one Python module that reaches people without being marked for translation."""
    tree = ast.parse(source, filename=path)
    lines = source.splitlines()
    checker = _PythonChecker(path)
    checker.visit(tree)

    def exempt(finding: Finding) -> bool:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        return EXEMPTION in line

    return sorted((f for f in checker.findings if not exempt(f)),
                  key=lambda finding: (finding.line, finding.text))  # fmt: skip


def _callee(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _untranslated(node: ast.AST | None) -> str | None:
    """The literal text of `node` if it is text that nobody marked for translation."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if has_letters(node.value) else None
    if isinstance(node, ast.JoinedStr):  # f"..."
        literal = "".join(part.value for part in node.values if isinstance(part, ast.Constant)
                          and isinstance(part.value, str))  # fmt: skip
        return ast.unparse(node) if has_letters(literal) else None
    if isinstance(node, ast.BinOp):  # "..." % values, "..." + name
        return _untranslated(node.left) or _untranslated(node.right)
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) or _untranslated(node.orelse)
    if isinstance(node, ast.Call) and _callee(node) == "format" and isinstance(
            node.func, ast.Attribute):  # "...".format(...)
        return _untranslated(node.func.value)
    return None  # a call to _(), a name, an attribute: marked or not ours to judge


class _PythonChecker(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def _flag(self, node: ast.AST, why: str, text: str) -> None:
        self.findings.append(Finding(self.path, getattr(node, "lineno", 0), why, text))

    def _check(self, node: ast.AST | None, why: str) -> None:
        text = _untranslated(node)
        if text is not None:
            self._flag(node, why, text)  # type: ignore[arg-type]

    def visit_Call(self, node: ast.Call) -> None:
        name = _callee(node)
        if name not in TRANSLATING_CALLS:
            positions, keywords = TEXT_ARGUMENTS.get(name, ((), frozenset()))
            if name.endswith("Field"):  # WTForms fields: the label comes first
                positions, keywords = (0,), frozenset({"label", "description"})
            for position in positions:
                if position < len(node.args):
                    self._check(node.args[position], f"text given to {name}() without _()")
            for keyword in node.keywords:
                if keyword.arg in keywords or keyword.arg in TEXT_KEYWORD_ARGUMENTS:
                    self._check(keyword.value, f"text given as {keyword.arg}= without _()")
                elif keyword.arg == "fields" and name in DOMAIN_ERRORS:
                    self._check_dict_values(keyword.value, f"field message of {name} without N_()")
                elif keyword.arg == "render_kw" and isinstance(keyword.value, ast.Dict):
                    for key, value in zip(keyword.value.keys, keyword.value.values):
                        if isinstance(key, ast.Constant) and key.value in SPOKEN_RENDER_KW:
                            self._check(value, f"render_kw {key.value!r} without _()")
        self.generic_visit(node)

    def _check_dict_values(self, node: ast.AST, why: str) -> None:
        if isinstance(node, ast.Call) and node.args:  # MappingProxyType({...}), dict(...)
            node = node.args[0]
        if isinstance(node, ast.Dict):
            for value in node.values:
                if isinstance(value, (ast.Dict, ast.Call)):
                    self._check_dict_values(value, why)
                else:
                    self._check(value, why)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name) and TEXT_TABLES.search(target.id):
                self._check_dict_values(node.value, f"text in {target.id} without N_()")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if isinstance(node.target, ast.Name) and TEXT_TABLES.search(node.target.id) and node.value:
            self._check_dict_values(node.value, f"text in {node.target.id} without N_()")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if self.path != FORMS_MODULE:
            for alias in node.names:
                if (node.module, alias.name) in UNTRANSLATED_FORM_BASES:
                    self._flag(node, "WTForms' messages would stay in English: import the "
                               "base class from registry.web.forms",
                               f"{node.module}.{alias.name}")  # fmt: skip
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        is_view = any(
            isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in ROUTE_DECORATORS
            for decorator in node.decorator_list
        )  # fmt: skip
        if is_view:
            for child in ast.walk(node):
                if isinstance(child, ast.Return):
                    value = child.value.elts[0] if isinstance(child.value, ast.Tuple) and \
                        child.value.elts else child.value  # fmt: skip
                    self._check(value, "a view answers with text without _()")
        self.generic_visit(node)


# --------------------------------------------------------------------------------------------
# The project
# --------------------------------------------------------------------------------------------


def check_project(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for template in sorted((root / "templates").rglob("*.html")):
        findings += check_template(template.read_text(encoding="utf-8"),
                                   template.relative_to(root).as_posix())  # fmt: skip
    for module in sorted((root / "registry").rglob("*.py")):
        relative = module.relative_to(root).as_posix()
        findings += check_python(module.read_text(encoding="utf-8"), relative)
    return findings
