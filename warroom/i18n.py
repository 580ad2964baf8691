"""The language a process will speak: English or Dutch, chosen once per process.

DESIGN: every text a person reads comes from gettext catalogues; event data stays language-neutral
(kinds and ids), so one log renders in either language, and text people typed is never translated.

What exists: `choose()` decides from an explicit override or setting, else the user's own `LANGUAGE`,
`LC_ALL`, `LC_MESSAGES`, `LANG` in gettext's order (only the name is read, never the host's locale
database: `LANG=nl_NL.UTF-8` gives Dutch on a host where that locale was never generated), else
English; `_`, `N_`, `ngettext` and `pgettext` translate through the chosen catalogue. The faces do
not call it yet and no shown string is marked yet (issue 14).

The catalogues live in `warroom/locale/<lang>/LC_MESSAGES/warroom.po`; their compiled `.mo` files
ship in the package. tests/test_i18n.py fails when a marked string has no Dutch translation or a
`.mo` is older than its `.po`."""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("en", "nl")
DEFAULT = "en"
DOMAIN = "warroom"
LOCALE_DIR = Path(__file__).parent / "locale"
_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_current = DEFAULT
_translation: _gettext.NullTranslations = _gettext.NullTranslations()


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the user's environment asks for, or None when it names none we have.

    gettext's order: the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is set decides, except
    that LANGUAGE (a colon-separated preference list) counts only when the locale is not C/POSIX."""
    env = os.environ if environ is None else environ
    for name in _ENVIRONMENT:
        value = env.get(name, "")
        if not value:
            continue
        for wish in value.split(":") if name == "LANGUAGE" else (value,):
            lang = _language_of(wish)
            if lang in LANGUAGES:
                return lang
            if lang in ("c", "posix") and name != "LANGUAGE":
                return DEFAULT
        if name != "LANGUAGE":
            return None  # the deciding variable names a language we do not have: English
    return None


def _language_of(name: str) -> str:
    """`nl_NL.UTF-8@euro` → `nl`; `C.UTF-8` → `c`."""
    return name.split(".", 1)[0].split("@", 1)[0].split("_", 1)[0].split("-", 1)[0].strip().lower()


def choose(*, override: str | None = None, setting: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Decide the process's language, first that speaks: override, setting, environment, English; and use it."""
    lang = override or setting or from_environment(environ) or DEFAULT
    use(lang)
    return lang


def use(lang: str) -> None:
    global _current, _translation
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    _current = lang
    _translation = (_gettext.NullTranslations() if lang == DEFAULT
                    else _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang]))


def current() -> str:
    return _current


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A word whose translation depends on where it stands (`state` of a supplier vs of a step)."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    return message
