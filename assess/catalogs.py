"""Keep the catalogues of texts (assess/translations/{sv,en}) in step with the code and the templates.

    python -m assess.catalogs update   extract the texts, merge them into both catalogues, compile them
    python -m assess.catalogs check    exit 1 naming every text without a translation, and stale compiled files

Swedish is the source language: the texts in the code are the Swedish message ids, and the Swedish catalogue
holds each of them as its own translation (so a plain-language editor can reword one without touching code).
`make translations` runs `update`; a test runs `check`, so a template string without an English translation
fails the suite.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("sv", "en")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "N_": None, "lazy_gettext": None}


def extract(root: Path = ROOT) -> Catalog:
    """Return every text marked for translation in assess/ and templates/ (as babel.cfg says)."""
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    catalog = Catalog(project="Molnbedömning", locale=None, charset="utf-8", copyright_holder="Molnbedömning")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _read(lang: str) -> Catalog:
    path = _po(lang)
    if not path.exists():
        return Catalog(locale=lang, project="Molnbedömning", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def update() -> None:
    """Merge the extracted texts into both catalogues (Swedish: each text is its own) and compile them."""
    for lang in LANGUAGES:
        template = extract()  # fresh for each language: Catalog.update shares the template's messages
        catalog = _read(lang)
        if _po(lang).exists():
            template.creation_date = catalog.creation_date  # no churn in the header when nothing changed
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if lang == "sv":
            for message in catalog:
                if isinstance(message.id, tuple):
                    if not all(message.string):
                        message.string = message.id
                elif message.id and not message.string:
                    message.string = message.id
        path = _po(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=120, sort_output=False, omit_header=False)
        with path.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalog)


def _id(message_id: object) -> str:
    return message_id[0] if isinstance(message_id, tuple) else str(message_id)


def _strings(string: object) -> tuple[str, ...]:
    return tuple(string) if isinstance(string, (list, tuple)) else (str(string),)


def _untranslated(catalog: Catalog) -> Iterable[str]:
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            yield _id(message.id)


def problems() -> list[str]:
    """Return every problem with the catalogues: missing or untranslated texts, stale compiled catalogues."""
    found: list[str] = []
    wanted = {_id(m.id) for m in extract() if m.id}
    for lang in LANGUAGES:
        if not _po(lang).exists():
            found.append(f"{lang}: {_po(lang)} is missing (run make translations)")
            continue
        catalog = _read(lang)
        have = {_id(m.id) for m in catalog if m.id}
        found += [f"{lang}: not in the catalogue (run make translations): {m!r}" for m in sorted(wanted - have)]
        found += [f"{lang}: no translation: {m!r}" for m in _untranslated(catalog) if m in wanted]
        mo = _po(lang).with_suffix(".mo")
        if not mo.exists():
            found.append(f"{lang}: {mo} is missing (run make translations)")
            continue
        expected = BytesIO()
        write_mo(expected, catalog)
        with mo.open("rb") as f:
            compiled = read_mo(f)
        current = {(_id(m.id), _strings(m.string)) for m in compiled if m.id}
        if current != {(_id(m.id), _strings(m.string)) for m in read_mo(BytesIO(expected.getvalue())) if m.id}:
            found.append(f"{lang}: {mo} is older than its .po (run make translations)")
    return found


def main(argv: list[str]) -> int:
    """Run `update` or `check`."""
    if argv[1:] == ["update"]:
        update()
        return 0
    if argv[1:] == ["check"]:
        found = problems()
        for problem in found:
            print(problem, file=sys.stderr)
        return 1 if found else 0
    print("usage: python -m assess.catalogs update|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
