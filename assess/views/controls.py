"""Form controls written as WTForms' own widgets write them, for the questionnaire (Jinja globals).

WTForms builds, fills and validates the form; these functions only write its HTML: the same attributes and
values as the widgets, with the validators' attributes (required, maxlength, ...) from the field's flags. They were
Jinja macros; a macro call costs several times what it writes, and the questionnaire writes about 250 controls
and labels per step (issue 14: WTForms' own attribute formatting, and then the macros, were most of the page's
server time). A widget these do not know, or a field with render_kw or a datalist, is rendered by WTForms itself.

`css`, `disabled`, `describedby`, `invalid`, `type` and `rows` are the usual attributes; `attrs` takes any other by
its HTML name ('data-x', 'autocomplete', 'required': True, ...): True writes a bare attribute, False or None leaves
it out. tests/assess/test_questionnaire_markup.py compares every control of the questionnaire with what WTForms
writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from wtforms.fields.choices import Choice, SelectChoice, SelectField

from assess.i18n import language

_KINDS = {
    "TextInput": "input",
    "HiddenInput": "input",
    "DateInput": "input",
    "EmailInput": "input",
    "SearchInput": "input",
    "TelInput": "input",
    "URLInput": "input",
    "NumberInput": "input",
    "CheckboxInput": "checkbox",
    "TextArea": "textarea",
    "Select": "select",
}
#: The attributes each kind writes in its place; any other the caller gives comes after the class.
_NAMED_ATTRS = frozenset(
    [
        "aria-describedby",
        "aria-invalid",
        "checked",
        "class",
        "disabled",
        "id",
        "max",
        "maxlength",
        "min",
        "minlength",
        "name",
        "pattern",
        "readonly",
        "required",
        "rows",
        "step",
        "type",
        "value",
    ]
)
_NAMED_BLOCK_ATTRS = frozenset(
    [
        "aria-describedby",
        "aria-invalid",
        "class",
        "disabled",
        "id",
        "maxlength",
        "minlength",
        "name",
        "readonly",
        "required",
        "rows",
    ]
)
_NO_ATTRS: Mapping[str, Any] = {}


def _plain_choices(f: Any) -> list[SelectChoice] | None:
    """Return a SelectField's choices when they are a list of SelectChoices without groups, read as WTForms'
    SelectField.iter_choices reads them; None for anything else (the field's own iter_choices then writes them)."""
    choices = f.choices
    if type(f).iter_choices is not SelectField.iter_choices or not isinstance(choices, list):
        return None
    for c in choices:
        if type(c) is not SelectChoice or c.optgroup is not None:
            return None
    return choices


@lru_cache(maxsize=4096)
def _option(value: Any, text: str) -> str | None:
    """Return an option after its `<option` and `selected`: ` value="…">label</option>` (None for a value that is
    not hashable text, which the caller then writes itself)."""
    if not isinstance(value, str):
        return None
    return f' value="{escape(value)}">{escape(text or value)}</option>'


def _set(value: Any) -> bool:
    return value is not None and value is not False


def _extra(attrs: Mapping[str, Any], named: frozenset[str]) -> str:
    out = []
    for k, v in attrs.items():
        if k in named or v is None or v is False:
            continue
        out.append(f" {k}" if v is True else f' {k}="{escape(v)}"')
    return "".join(out)


def _wtforms(f: Any, **given: Any) -> Markup:
    kw = {k: v for k, v in given.items() if k != "attrs" and v is not None}
    kw.update((k, v) for k, v in given["attrs"].items() if v is not None)
    return Markup(f(**kw))


def control(
    f: Any,
    css: str | None = None,
    disabled: Any = None,
    describedby: str | None = None,
    invalid: str | None = None,
    type: str | None = None,  # noqa: A002  (the HTML attribute's name)
    rows: int | None = None,
    attrs: Mapping[str, Any] = _NO_ATTRS,
    memo: dict[Any, Any] | None = None,
) -> Markup:
    """Return a field's control as its WTForms widget writes it, with the given attributes.

    `memo`: a dict kept with the form's class, whose fields of one name are alike but for their data (the
    questionnaire's, assess/forms/questionnaire.py): a text input's or textarea's markup before and after its value
    is written into it once, and then only the value is escaped and put in its place; a select is written once per
    language and selected value, so pass a memo for a select only when its choices are its class's own.
    """
    key: tuple[Any, ...] | None = None
    if memo is not None and not attrs:
        if isinstance(f, SelectField):
            # Written whole, per language and selected value: the caller passes a memo only for a select whose
            # choices are its class's own (the evidence levels), never for one whose choices a page sets.
            data = f.data
            # Only a value among its choices: a posted value that is none of them (its error shown) is not kept,
            # or every such post would grow the memo for as long as the process runs.
            offered = data is None or (
                isinstance(data, str | int) and any(getattr(c, "value", None) == data for c in f.choices or ())
            )
            if offered:
                key = ("select", f.name, css, disabled, describedby, invalid, language(), data)
                found = memo.get(key)
                if found is not None:
                    return found  # type: ignore[no-any-return]
        else:
            key = ("control", f.name, css, disabled, describedby, invalid, type, rows)
            found = memo.get(key)
            if found is not None:
                return Markup(f"{found[0]}{escape(f._value())}{found[1]}")
    w = f.widget
    widget_class = w.__class__
    kind = _KINDS.get(widget_class.__name__) if widget_class.__module__ == "wtforms.widgets.core" else None
    plain = _plain_choices(f) if kind == "select" else None
    if (
        f.render_kw
        or f._datalist is not None
        or (kind == "select" and (w.multiple or (plain is None and f.has_groups())))
    ):
        kind = None
    if kind is None:
        return _wtforms(
            f,
            **{
                "class": css,
                "disabled": disabled,
                "aria-describedby": describedby,
                "aria-invalid": invalid,
                "type": type,
                "rows": rows,
                "attrs": attrs,
            },
        )
    va, fl = w.validation_attrs, f.flags

    def flag(name: str) -> Any:
        if name in attrs:
            return attrs[name]
        return getattr(fl, name) if name in va else None

    if "disabled" in attrs:
        disabled = attrs["disabled"]
    required, readonly, maxlength, minlength = flag("required"), flag("readonly"), flag("maxlength"), flag("minlength")
    if disabled is None and "disabled" in va:
        disabled = fl.disabled
    # Up to the id: aria-*, checked, class, the other attributes (data-*, ...), disabled.
    head = []
    if _set(describedby):
        head.append(f' aria-describedby="{escape(describedby)}"')
    if _set(invalid):
        head.append(f' aria-invalid="{escape(invalid)}"')
    if kind == "checkbox" and (attrs["checked"] if "checked" in attrs else getattr(f, "checked", f.data)):
        head.append(" checked")
    if css:
        head.append(f' class="{escape(css)}"')
    if attrs:
        head.append(_extra(attrs, _NAMED_ATTRS if kind in ("input", "checkbox") else _NAMED_BLOCK_ATTRS))
    if kind not in ("input", "checkbox") and type:
        head.append(f' type="{escape(type)}"')
    if disabled:
        head.append(" disabled")
    head.append(f' id="{escape(attrs.get("id", f.id))}"')
    if _set(maxlength):
        head.append(f' maxlength="{escape(maxlength)}"')
    # After the name (and an input's pattern), as WTForms sorts them.
    tail = []
    if readonly:
        tail.append(" readonly")
    if required:
        tail.append(" required")
    if rows is not None:
        tail.append(f' rows="{escape(rows)}"')
    before_name = f' minlength="{escape(minlength)}"' if _set(minlength) else ""
    name = f' name="{escape(f.name)}"'
    if kind == "textarea":
        before = f"<textarea{''.join(head)}{before_name}{name}{''.join(tail)}>\r\n"
        if key is not None and key[0] == "control":
            memo[key] = (before, "</textarea>")  # type: ignore[index]
        return Markup(f"{before}{escape(f._value())}</textarea>")
    if kind == "select":
        options = []
        if plain is not None:
            # The field's own SelectChoices, as SelectField.iter_choices reads them (without a Choice per option).
            coerce, data = f.coerce, f.data
            for c in plain:
                text = str(c.label) if c.label is not None else ""
                rest = _option(c.value, text) if not c.render_kw else None
                if rest is not None:
                    options.append(f"<option selected{rest}" if coerce(c.value) == data else f"<option{rest}")
                    continue
                extra = "".join(f' {k}="{escape(v)}"' for k, v in c.render_kw.items())
                selected = " selected" if coerce(c.value) == data else ""
                options.append(f'<option{extra}{selected} value="{escape(c.value)}">{escape(text or c.value)}</option>')
        else:
            for c in f.iter_choices():
                # A label is made text once (a lazy label would be translated twice: to test it, then to write it).
                text = str(c.label) if c.label is not None else ""
                extra = "".join(f' {k}="{escape(v)}"' for k, v in c.render_kw.items()) if c.render_kw else ""
                selected = " selected" if c.selected else ""
                options.append(f'<option{extra}{selected} value="{escape(c.value)}">{escape(text or c.value)}</option>')
        written = Markup(f"<select{''.join(head)}{before_name}{name}{''.join(tail)}>{''.join(options)}</select>")
        if key is not None and key[0] == "select":
            memo[key] = written  # type: ignore[index]
        return written
    if attrs or len(va) > 2:
        high, low, pattern, step = flag("max"), flag("min"), flag("pattern"), flag("step")
    else:
        high = low = pattern = step = None
    # WTForms sorts by name: max before maxlength (in head), which only a date or number field has.
    parts = ["<input", *head]
    if high is not None:
        parts.append(f' max="{escape(high)}"')
    if low is not None:
        parts.append(f' min="{escape(low)}"')
    parts += [before_name, name]
    if pattern is not None:
        parts.append(f' pattern="{escape(pattern)}"')
    parts += tail
    if step is not None:
        parts.append(f' step="{escape(step)}"')
    parts.append(f' type="{escape(type or w.input_type)}" value="')
    if key is not None and key[0] == "control" and kind == "input":
        memo[key] = ("".join(parts), '">')  # type: ignore[index]
    value = attrs["value"] if "value" in attrs else f._value()
    parts.append(f'{escape(value)}">')
    return Markup("".join(parts))


def radio(
    f: Any, choice: Any, index: int, css: str | None = None, disabled: Any = None, attrs: Mapping[str, Any] = _NO_ATTRS
) -> Markup:
    """Return the index-th radio button of a RadioField as its subfield writes it (id "<field id>-<index>").

    `choice` is the index-th of f.iter_choices().
    """
    if f.render_kw or f.option_widget.__class__.__name__ != "RadioInput":
        for i, sub in enumerate(f):
            if i == index:
                return _wtforms(sub, **{"class": css, "disabled": disabled, "attrs": attrs})
        return Markup("")
    checked = " checked" if choice.selected else ""
    cls = f' class="{escape(css)}"' if css else ""
    extra = _extra(attrs, _NAMED_ATTRS) if attrs else ""
    off = " disabled" if (disabled if disabled is not None else f.flags.disabled) else ""
    required = " required" if (attrs.get("required", f.flags.required)) else ""
    return Markup(
        f'<input{checked}{cls}{extra}{off} id="{escape(f.id)}-{index}" name="{escape(f.name)}"{required} '
        f'type="radio" value="{escape(choice.value)}">'
    )


def radios(f: Any, css: str | None = None, disabled: Any = None, memo: dict[Any, Any] | None = None) -> list[Markup]:
    """Return every radio button of a RadioField, as `radio` writes each.

    `memo`: as `control`'s; each button is written once checked and once not, then picked by the field's data as
    RadioField.iter_choices picks the selected choice.
    """
    plain = _plain_choices(f) if memo is not None else None
    if plain is None or f.render_kw or f.option_widget.__class__.__name__ != "RadioInput":
        return [radio(f, choice, index, css, disabled) for index, choice in enumerate(f.iter_choices())]
    assert memo is not None
    key = ("radios", f.name, css, disabled)
    written = memo.get(key)
    if written is None:
        written = []
        for index, c in enumerate(plain):
            plain_choice, checked_choice = (
                Choice(c.value, c.label, selected, c.render_kw) for selected in (False, True)
            )
            written.append(
                (c.value, radio(f, plain_choice, index, css, disabled), radio(f, checked_choice, index, css, disabled))
            )
        memo[key] = written
    coerce, data = f.coerce, f.data
    return [checked if coerce(value) == data else unchecked for value, unchecked, checked in written]


def label(f: Any, css: str | None = None, for_id: str | None = None, text: Any = None) -> Markup:
    """Return a field's label as WTForms writes it; `for_id` and `text` for a radio button's."""
    cls = f' class="{escape(css)}"' if css else ""
    return Markup(
        f'<label{cls} for="{escape(for_id or f.id)}">{escape(f.label.text if text is None else text)}</label>'
    )


def field_error(f: Any) -> Markup:
    """Return a field's errors as the paragraph its control's aria-describedby names, or nothing."""
    if not f.errors:
        return Markup("")
    return Markup(f'<p class="field__error" id="{escape(f.id)}-error">{"".join(f"{escape(e)} " for e in f.errors)}</p>')


def small_field(
    f: Any,
    editable: bool,
    type: str | None = None,  # noqa: A002
    label_html: Any = None,
    memo: dict[Any, Any] | None = None,
) -> Markup:
    """Return a small field of a question (evidence, reference, motivation, who finds out, by when) with its label.

    `label_html`: the field's label as written before (the questionnaire keeps its labels per language); `memo`:
    as `control`'s.
    """
    head = label_html or label(f, "field__label field__label--small")
    if f.errors:
        written = control(f, "field__input", not editable, f.id + "-error", "true", type, memo=memo)
        body = f"{field_error(f)}\n    {written}"
        return Markup(f'\n  <div class="field field--error">\n    {head}\n    {body}\n  </div>\n')
    written = control(f, "field__input", not editable, type=type, memo=memo)
    return Markup(f'\n  <div class="field">\n    {head}\n    {written}\n  </div>\n')


GLOBALS = {
    "control": control,
    "radio": radio,
    "label": label,
    "field_error": field_error,
    "small_field": small_field,
}
