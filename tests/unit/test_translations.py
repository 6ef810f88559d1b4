"""The catalogues: every marked string extracted, every message translated, compiled in sync.

When one of these fails after new strings were added: `make extract-messages`, translate what
the failure names (docs/glossary.md for the domain's words), `make translations`.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from registry.config import Settings

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "registry" / "translations"
LOCALES = Settings().LANGUAGES
# The messages are written in English: an empty English translation means "as written".
SOURCE_LANGUAGE = "en"


def _key(message) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    singular = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return singular, message.context


def _described(key: tuple[str, str | None]) -> str:
    singular, context = key
    return f"{singular!r}" + (f" (context {context!r})" if context else "")


def _strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    string = message.string
    return (string,) if isinstance(string, str) else tuple(string)


def makefile_keywords() -> dict:  # type: ignore[type-arg]
    """The extraction keywords, read from `make extract-messages` so both stay the same."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nextract-messages:", 1)[1].split("\n\n", 1)[0]
    return {**DEFAULT_KEYWORDS, **parse_keywords(re.findall(r"-k\s+(\S+)", recipe))}


@functools.cache
def extracted() -> Catalog:
    """What `make extract-messages` would collect from the sources now."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=makefile_keywords(),
        comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
    ):  # fmt: skip
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@functools.cache
def template() -> Catalog:
    with open(CATALOGUES / "messages.pot", "rb") as handle:
        return read_po(handle)


def catalogue(locale: str) -> Catalog:
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def messages(catalog: Catalog) -> dict:  # type: ignore[type-arg]
    return {_key(message): message for message in catalog if message.id}


def test_the_template_holds_every_marked_string_and_no_other():
    in_sources, in_template = messages(extracted()), messages(template())
    new = [_described(key) for key in in_sources if key not in in_template]
    gone = [_described(key) for key in in_template if key not in in_sources]
    changed_plural = [
        _described(key) for key, message in in_sources.items()
        if key in in_template and message.id != in_template[key].id
    ]  # fmt: skip
    assert not (new or gone or changed_plural), (
        "registry/translations/messages.pot is out of date: run `make extract-messages`, "
        "then translate the new messages.\n"
        + "".join(f"  new in the sources: {text}\n" for text in new)
        + "".join(f"  no longer in the sources: {text}\n" for text in gone)
        + "".join(f"  plural changed: {text}\n" for text in changed_plural)
    )


def catalogue_problems(catalog: Catalog, reference: Catalog, locale: str) -> list[str]:
    """Each message of `reference` that `catalog` lacks, leaves untranslated or marks fuzzy,
    and each translation whose placeholders differ from its message's, named one per line."""
    po = messages(catalog)
    problems = []
    for key, wanted in messages(reference).items():
        message = po.get(key)
        if message is None:
            problems.append(f"missing: {_described(key)}")
            continue
        if message.fuzzy:
            problems.append(f"fuzzy (a guess nobody checked): {_described(key)}")
        if message.id != wanted.id:
            problems.append(f"plural differs from the template: {_described(key)}")
        if locale != SOURCE_LANGUAGE and not all(_strings(message)):
            problems.append(f"not translated: {_described(key)}")
    # A translation that drops or renames %(name)s would fail at run time (a 500).
    problems += [
        f"placeholders differ: {_described(_key(message))}: "
        + "; ".join(str(error) for error in errors)
        for message, errors in catalog.check()
    ]
    return problems


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_translates_every_message(locale):
    problems = catalogue_problems(catalogue(locale), template(), locale)
    assert not problems, (
        f"registry/translations/{locale}/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)
        + "\n(`make extract-messages` brings in new messages; docs/translations.md says more.)"
    )


def test_the_check_names_each_missing_untranslated_fuzzy_or_broken_message():
    reference = Catalog()
    for text in ("Case", "Border point", "Closed", "Page %(page)s"):
        reference.add(text)
    reference.add(("%(num)s case", "%(num)s cases"))
    translated = Catalog(locale="fr")
    translated.add("Case", "Dossier")
    translated.add("Border point", "")
    translated.add("Closed", "Clôturé", flags=["fuzzy"])
    translated.add("Page %(page)s", "Page %(numero)s", flags=["python-format"])
    translated.add(("%(num)s case", "%(num)s cases"), ("%(num)s dossier", "", ""))

    problems = catalogue_problems(translated, reference, "fr")

    assert "not translated: 'Border point'" in problems
    assert "fuzzy (a guess nobody checked): 'Closed'" in problems
    assert "not translated: '%(num)s case'" in problems
    assert any(problem.startswith("placeholders differ: 'Page %(page)s'") for problem in problems)
    assert not any("'Case'" in problem for problem in problems)
    translated.delete("Case")
    assert "missing: 'Case'" in catalogue_problems(translated, reference, "fr")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_has_the_plural_forms_of_its_language(locale):
    catalog = catalogue(locale)
    assert catalog.locale == Locale.parse(locale)
    assert not catalog.fuzzy, f"{locale}: the header is marked fuzzy; pybabel compile skips it"
    expected = Catalog(locale=locale).num_plurals
    assert catalog.num_plurals == expected
    for message in catalog:
        if message.id and message.pluralizable and locale != SOURCE_LANGUAGE:
            assert len(message.string) == expected, _described(_key(message))


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogue_matches_its_source(locale):
    compiled = CATALOGUES / locale / "LC_MESSAGES" / "messages.mo"
    assert compiled.exists(), f"{compiled} is missing: run `make translations`"
    with open(compiled, "rb") as handle:
        mo = messages(read_mo(handle))
    po = {key: message for key, message in messages(catalogue(locale)).items()
          if all(_strings(message))}  # fmt: skip
    stale = [_described(key) for key, message in po.items()
             if key not in mo or _strings(mo[key]) != _strings(message)]  # fmt: skip
    assert not stale, (f"{compiled} is older than its .po file: run `make translations`.\n  "
                       + "\n  ".join(stale))  # fmt: skip


def test_extraction_collects_trans_blocks_trimmed_as_they_are_rendered():
    import io

    from babel.messages.extract import extract

    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        _, options_map = parse_mapping_cfg(config)
    source = (b'{% trans count=n %}\n  One case\n  waits.\n{% pluralize %}\n  {{ count }} cases\n'
              b'  wait.\n{% endtrans %}\n<p>{{ _("Log in") }}</p>')  # fmt: skip
    found = [message for _, message, _, _ in extract(
        "jinja2", io.BytesIO(source), keywords=makefile_keywords(),
        options=options_map["templates/**.html"])]  # fmt: skip
    assert found == [("One case waits.", "%(count)s cases wait."), "Log in"]
