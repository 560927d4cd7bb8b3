"""Stored JSON is decoded with orjson (assess/services/jsontext.py): to what the standard library reads."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from assess.services.jsontext import Texts
from assess.services.jsontext import loads as json_loads

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=30)


@given(_JSON, st.booleans())
def test_every_text_json_writes_reads_back_the_same_as_with_the_standard_library(value: object, ascii: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii)
    assert json_loads(text) == json.loads(text)


def test_what_orjson_refuses_is_still_read_as_the_standard_library_reads_it() -> None:
    big = 2**80
    assert json_loads(f'{{"n": {big}}}') == {"n": big}
    assert math.isnan(json_loads('{"x": NaN}')["x"])
    assert json_loads("[Infinity]") == [math.inf]


def test_each_distinct_text_is_decoded_once_and_read_as_stored() -> None:
    texts = Texts()
    first = texts.decode('["a", "b"]')
    assert first == ["a", "b"]
    assert texts.decode('["a", "b"]') is first
    assert texts.decode(None) is None
    assert texts.decode('"unknown"') == "unknown"
