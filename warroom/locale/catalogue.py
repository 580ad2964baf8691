"""The translators' tool: extract every marked string from the package, merge it into each
language's `.po`, compile the `.mo` that ships, and check that nothing is missing or stale.

    uv run python -m warroom.locale.catalogue update   # new strings appear in nl's .po, untranslated
    uv run python -m warroom.locale.catalogue compile  # .po → .mo, after translating
    uv run python -m warroom.locale.catalogue check    # what tests/test_i18n.py asserts
    uv run python -m warroom.locale.catalogue take nl OTHER.po...  # translations from other copies (two
                                                    # branches' .po after a merge): then update, compile

Translators keep to warroom/locale/GLOSSARY.md. Babel does the extraction (its tokenizer; the
strings it cannot see inside f-strings before Python 3.12 are found by `in_fstrings`, Python's own
parser) and writes the catalogues; the keywords are i18n's."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from warroom.i18n import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "C_": ((1, "c"), 2)}


def template() -> Catalog:
    """Every marked string in the package, with where it stands."""
    pot = Catalog(project="warroom", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
            PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
        pot.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    for filename, lineno, message, context in in_fstrings(PACKAGE):
        if pot.get(message if isinstance(message, str) else message[0], context) is None:
            pot.add(message, locations=[(filename, lineno)], context=context)
    return pot


def in_fstrings(package: Path) -> list[tuple[str, int, str | tuple[str, str], str | None]]:
    """The marked strings inside f-strings' braces: Babel's extractor reads tokens, and before
    Python 3.12 an f-string is one token to it, so `f"{_('Summary')}"` would never reach the
    catalogue and go untranslated without a word. Python's own parser sees them."""
    import ast

    found: list[tuple[str, int, str | tuple[str, str], str | None]] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in KEYWORDS):
                    continue
                texts = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if len(texts) != len(call.args) or not texts:
                    continue
                where = str(path.relative_to(package))
                if call.func.id in ("pgettext", "C_") and len(texts) == 2:
                    found.append((where, call.lineno, texts[1], texts[0]))
                elif call.func.id == "ngettext" and len(texts) >= 2:
                    found.append((where, call.lineno, (texts[0], texts[1]), None))
                elif len(texts) == 1:
                    found.append((where, call.lineno, texts[0], None))
    return found


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return po_path(lang).with_suffix(".mo")


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="warroom")
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def translated() -> list[str]:
    return [lang for lang in LANGUAGES if lang != DEFAULT]


def update() -> None:
    pot = template()
    for lang in translated():
        catalog = load(lang)
        catalog.update(pot, no_fuzzy_matching=True, update_creation_date=False)
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        with po_path(lang).open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)


def compile_all() -> None:
    for lang in translated():
        mo_path(lang).write_bytes(compiled(load(lang)))


def problems() -> list[str]:
    """What is missing or stale, one line each: what the test asserts is empty."""
    pot = template()
    found: list[str] = []
    for lang in translated():
        catalog = load(lang)
        for message in pot:
            if not message.id:
                continue
            have = catalog.get(message.id, message.context)
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            if have is None:
                found.append(f"{lang}: not in {po_path(lang).name} (run `update`): {message.id!r} at {where}")
            elif have.fuzzy or not (all(have.string) if isinstance(have.string, tuple) else have.string):
                found.append(f"{lang}: no translation: {message.id!r} at {where}")
        if not mo_path(lang).exists() or mo_path(lang).read_bytes() != compiled(catalog):
            found.append(f"{lang}: {mo_path(lang)} is stale (run `compile`)")
    return found


def take(lang: str, others: list[Path]) -> list[str]:
    """Bring into `lang`'s catalogue the translations other copies of it hold (git's two sides of a
    conflicted .po): an entry this one lacks or has untranslated is taken; where both translated one
    string differently, this one's stays and the clash is returned, one line each, to be settled by
    the glossary."""
    catalog = load(lang)
    clashes: list[str] = []
    for other in others:
        with other.open("rb") as f:
            theirs = read_po(f, locale=lang, domain=DOMAIN)
        for message in theirs:
            if not message.id or not message.string:
                continue
            mine = catalog.get(message.id, message.context)
            if mine is None or not mine.string or mine.fuzzy:
                catalog[message.id] = message  # context travels with the message
            elif mine.string != message.string:
                clashes.append(f"{message.id!r}: kept {mine.string!r}, not {message.string!r}")
    with po_path(lang).open("wb") as f:
        write_po(f, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    return clashes


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "take" and len(argv) >= 3:
        for line in take(argv[1], [Path(a) for a in argv[2:]]):
            print(line)
    elif command == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    else:
        print(f"usage: python -m warroom.locale.catalogue update|compile|check|take, not {command!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
