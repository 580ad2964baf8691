"""The language a process will speak: English or Dutch, chosen once per process.

DESIGN: every text a person reads comes from gettext catalogues; event data stays language-neutral
(kinds and ids), so one log renders in either language, and text people typed is never translated.

What exists: `choose()` decides from an explicit override or setting, else the user's own `LANGUAGE`,
`LC_ALL`, `LC_MESSAGES`, `LANG` in gettext's order (only the name is read, never the host's locale
database: `LANG=nl_NL.UTF-8` gives Dutch on a host where that locale was never generated), else
English; `_`, `N_`, `ngettext` and `pgettext` translate through the chosen catalogue. The CLI
chooses once, before any command runs (`--lang`, then `[settings] language` of the home, then the
environment), and every face (the TUI, the monitor's webhook messages, the exports) speaks what it
chose.

How a string is marked: `_("text {name}").format(name=...)` where it is shown (never an f-string,
whose words a translator cannot see); a module-level constant is marked `N_("text")` and translated
with `_()` where it is shown, because the language is chosen after modules are imported. A word of
the vocabulary (a state, a status, a mode) is `word(value, context)`: the stored value stays English.
Times and numbers shown to people go through `weekday_time`, `date_time` and `number`, which speak
Babel's Dutch under `nl`.

The catalogues live in `warroom/locale/<lang>/LC_MESSAGES/warroom.po`; their compiled `.mo` files
ship in the package. tests/test_i18n.py fails when a marked string has no Dutch translation or a
`.mo` is older than its `.po`."""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
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

    gettext's order: LANGUAGE (a colon-separated preference list, its first language we have) unless
    the locale is C/POSIX, which asks for untranslated English whatever LANGUAGE says (`LANG=C
    warroom …` is how one gets English for a moment); then the first of LC_ALL, LC_MESSAGES, LANG
    that is set."""
    env = os.environ if environ is None else environ
    locale = next((env[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(name)), "")
    if _language_of(locale) in ("c", "posix"):
        return DEFAULT
    for wish in env.get("LANGUAGE", "").split(":"):
        if _language_of(wish) in LANGUAGES:
            return _language_of(wish)
    if not locale:
        return None
    lang = _language_of(locale)
    return lang if lang in LANGUAGES else None  # the deciding variable names a language we do not have: English


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


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak `lang` for a while (text that follows the war-room, not the reader: a webhook message),
    then the language spoken before."""
    before = _current
    use(lang)
    try:
        yield
    finally:
        use(before)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A word whose translation depends on where it stands (`state` of a supplier vs of a step)."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is defined; `_()` translates it where it is shown."""
    return message


def C_(context: str, message: str) -> str:
    """Marks a word with its context for the catalogue (warroom/words.py); `word()` translates it."""
    return message


def word(value: str, context: str) -> str:
    """A stored vocabulary word (`down`, `open`, `drill`) as shown: translated in its context, the
    value itself unchanged in events, JSON and scripts."""
    return _translation.pgettext(context, value)


_BABEL_LOCALE = {"nl": "nl_NL"}  # English never reaches Babel: its formats are Python's own below


def _babel_locale() -> str:
    return _BABEL_LOCALE[_current]


def weekday_time(when: datetime) -> str:
    """`Mon 14:03` / `ma 14:03`: when is already in the zone it is shown in."""
    if _current == DEFAULT:
        return f"{when:%a %H:%M}"
    from babel.dates import format_datetime

    return format_datetime(when, "EEE HH:mm", tzinfo=when.tzinfo, locale=_babel_locale())


def date_time(when: datetime, *, seconds: bool = False, zone_name: bool = False) -> str:
    """`2026-11-30 14:03` (ISO order in both languages: a log's times sort as text), `:ss` and the
    zone's abbreviation when asked: the same in every language."""
    text = f"{when:%Y-%m-%d %H:%M:%S}" if seconds else f"{when:%Y-%m-%d %H:%M}"
    return f"{text} {when:%Z}" if zone_name else text


def long_date(when: datetime) -> str:
    """`Monday 30 November 2026` / `maandag 30 november 2026`: the date in a report's running text."""
    if _current == DEFAULT:
        return f"{when:%A} {when.day} {when:%B %Y}"
    from babel.dates import format_date

    return format_date(when, "EEEE d MMMM y", locale=_babel_locale())


def figure(value: float) -> str:
    """A figure as short as it is exact to six digits (`:g`: `60`, `2.5`, `1.001`), with the
    language's decimal sign (`2,5`): a drill's speed, a factor."""
    shown = f"{value:g}"
    return shown if _current == DEFAULT else shown.replace(".", ",")


def number(value: float, *, decimals: int = 0) -> str:
    """`1,234.5` / `1.234,5`."""
    if _current == DEFAULT:
        return f"{value:,.{decimals}f}"
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_babel_locale())
