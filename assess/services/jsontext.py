"""Stored JSON read as text and decoded here: verification and the impact dry run read thousands of answers a batch.

`loads` decodes as `json.loads` does, with orjson; `Texts` decodes each distinct text once (a batch of answers holds
thousands of values but only a few hundred distinct ones: "yes", "unknown", ...). The values a `Texts` returns are
shared between the rows that hold the same text: callers read them, never change them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson


def loads(raw: str | bytes) -> Any:
    """Decode JSON text as `json.loads` does, with orjson.

    orjson refuses a few things the standard library reads (NaN, integers past 64 bits); those are read by the
    standard library, so both read the same texts to the same values. Text that is not JSON raises ValueError.
    """
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


class Texts:
    """Decode stored JSON texts, each distinct text once; None (SQL NULL) is None.

    `unreadable`: what a text that is not JSON reads as (made once per text); without it, ValueError is raised.
    """

    def __init__(self, unreadable: Callable[[], Any] | None = None) -> None:
        self._decoded: dict[str | None, Any] = {None: None}
        self._unreadable = unreadable

    def decode(self, raw: str | None) -> Any:
        """Return the text's value."""
        decoded = self._decoded
        if raw in decoded:
            return decoded[raw]
        assert raw is not None  # None is in the table from the start
        try:
            value = loads(raw)
        except ValueError:
            if self._unreadable is None:
                raise
            value = self._unreadable()
        decoded[raw] = value
        return value
