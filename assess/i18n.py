"""Languages: Swedish first, English too, from one catalogue of texts (Flask-Babel, gettext).

The texts are written in Swedish in the code and the templates (they are the catalogue's message ids); the
catalogues under assess/translations/ hold them in Swedish and in English. The language is the user's choice
(saved on the account, or for a visitor in the session), else the browser's Accept-Language, else Swedish.
Times are shown in Europe/Stockholm. The rule set carries its own Swedish and English texts; `text()` picks one.

`_` works anywhere: inside a request it translates to the request's language, outside (the CLI, a test without
a request) it leaves the Swedish text as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from flask import Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations

LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT = "sv"
ZONE = "Europe/Stockholm"
STOCKHOLM = ZoneInfo(ZONE)
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

babel = Babel()


def N_(message: str) -> str:  # noqa: N802 (gettext's name for "mark for the catalogue, translate later")
    """Mark a text for the catalogue without translating it now (tables of labels)."""
    return message


_NULL = NullTranslations()
#: The loaded catalogue of each locale, as Flask-Babel loads it (they never change while the process runs).
_CATALOGS: dict[tuple[Any, ...], NullTranslations] = {}


def current_locale() -> Any:
    """Return the request's locale (a babel Locale; None outside an app context), as Flask-Babel keeps it.

    Read where Flask-Babel keeps it, with two lookups instead of get_locale()'s five (force_locale() and a changed
    choice still count); get_locale() only when the request has not chosen yet.
    """
    if not has_app_context():
        return None
    state = getattr(g._get_current_object(), "_flask_babel", None)
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return locale if locale is not None else get_locale()


def _catalog() -> NullTranslations:
    """Return the catalogue of the current language: Flask-Babel's, found with two lookups instead of its six.

    Flask-Babel resolves its context, domain, locale and cache anew for every text; a page translates a thousand
    texts. The locale is read where Flask-Babel keeps it (so force_locale() and a changed choice still count).
    """
    locale = current_locale()
    if locale is None:
        return _NULL
    # the locale's parts, not str(locale): babel builds that string anew each time, and a page asks a thousand times
    key = (locale.language, locale.territory, locale.script, locale.variant, getattr(locale, "modifier", None))
    catalog = _CATALOGS.get(key)
    if catalog is None:
        catalog = _CATALOGS[key] = cast(NullTranslations, get_translations())
    return catalog


def _(message: str, **variables: Any) -> str:
    """Translate a text to the current language (Swedish outside a request); fill in %(name)s variables."""
    translated = _catalog().gettext(message)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    """Translate a text whose form depends on a number (%(num)s is the number)."""
    variables.setdefault("num", n)
    return _catalog().ngettext(singular, plural, n) % variables


def _template_gettext(message: str) -> str:
    return _catalog().gettext(message)


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog().ngettext(singular, plural, n)


def language() -> str:
    """Return the language of the current request ('sv' or 'en'; 'sv' outside a request)."""
    if not has_request_context():
        return DEFAULT
    locale = current_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def choose_language() -> str:
    """Pick the language of a request: the account's choice, the visitor's choice, the browser's, Swedish."""
    from flask_login import current_user

    if not has_request_context():
        return DEFAULT
    if current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "language", "") or ""
        if chosen in LANGUAGES:
            return chosen
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) or DEFAULT


def text(value: Any, lang: str | None = None) -> str:
    """Return the rule set's text (an object with .sv and .en, or a {'sv', 'en'} mapping) in the language."""
    lang = lang or language()
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get(DEFAULT) or "")
    return str(getattr(value, lang, None) or getattr(value, DEFAULT, "") or "")


class Labels(Mapping[Any, str]):
    """A table of labels (code -> Swedish text marked with N_) that translates each one when it is read."""

    def __init__(self, table: Mapping[Any, str]) -> None:
        self._table = {_key(k): v for k, v in table.items()}

    def __getitem__(self, key: Any) -> str:
        return _(self._table[_key(key)])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def get(self, key: Any, default: Any = None) -> Any:
        """Return the label of key in the current language, or default."""
        return self[key] if _key(key) in self._table else default

    def msgid(self, key: Any) -> str:
        """Return the untranslated (Swedish) label."""
        return self._table[_key(key)]


def _key(key: Any) -> Any:
    return getattr(key, "value", key)


def local(value: datetime) -> datetime:
    """Return a UTC time in Stockholm."""
    return value.astimezone(STOCKHOLM)


def format_time(value: datetime | None, zone: bool = False) -> str:
    """Return a time as YYYY-MM-DD HH:MM in Stockholm, with the zone's name when zone is true (on records)."""
    if value is None:
        return "–"
    moment = local(value)
    shown = moment.strftime("%Y-%m-%d %H:%M")
    if zone:
        return f"{shown} {_zone_name(moment)}"
    return shown


def _zone_name(moment: datetime) -> str:
    summer = bool(moment.dst())
    if language() == "en":
        return "CEST (Stockholm)" if summer else "CET (Stockholm)"
    return "sommartid (Stockholm)" if summer else "normaltid (Stockholm)"


def format_date(value: date | None) -> str:
    """Return a date as YYYY-MM-DD (the same in both languages: it is how Swedish documents write dates)."""
    return value.isoformat() if value is not None else "–"


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Translate in the given language inside the block (reports, e-mails)."""
    with force_locale(lang):
        yield


def translator(lang: str) -> Callable[[str], str]:
    """Return a function that translates a Swedish text to the language (for the PDF renderers)."""
    with force_locale(lang):
        catalog = _catalog()
    return catalog.gettext


def init_app(app: Flask) -> None:
    """Bind Flask-Babel: catalogues, language, time zone; template helpers."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", ZONE)
    babel.init_app(
        app,
        locale_selector=choose_language,
        timezone_selector=lambda: ZONE,
        default_translation_directories=str(TRANSLATIONS),
    )
    # the templates' {{ _() }} through the same two-lookup catalogue (Jinja's newstyle gettext fills the variables)
    # install_gettext_callables is added to the environment by jinja2.ext.i18n
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )
    app.jinja_env.globals.update(
        language=language, text=text, LANGUAGES=LANGUAGES, format_time=format_time, format_date=format_date
    )
    app.jinja_env.filters["local_dt"] = format_time
    app.jinja_env.filters["text"] = text
