"""WTForms fields whose own messages are in the catalogue (Swedish, translated to the reader's language)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import DateField, RadioField, SelectField
from wtforms.validators import ValidationError

from assess.i18n import _


class RadioChoiceField(RadioField):
    """A radio group that tells, in the reader's language, when the posted value is not one of its options."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            return
        if not any(self.data == value for value, _ in self.iter_choices_values()):
            raise ValidationError(_("Välj ett av svarsalternativen."))

    def iter_choices_values(self) -> list[tuple[Any, Any]]:
        """Return (value, label) pairs of the choices."""
        return [(value, label) for value, label, *_ in self.iter_choices()]

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = valuelist[0] if valuelist else None


class SelectChoiceField(SelectField):
    """A select that tells, in the reader's language, when the posted value is not one of its options."""

    def pre_validate(self, form: Any) -> None:
        if not any(self.data == value for value, *_ in self.iter_choices()):
            raise ValidationError(_("Välj ett av alternativen i listan."))


class SwedishDateField(DateField):
    """A date field (YYYY-MM-DD) with its own message, in the reader's language, for a malformed date."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        try:
            self.data = dt.date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_("Ange ett giltigt datum som ÅÅÅÅ-MM-DD.")) from None
