"""The VirtualService validation analyzer compares route matches by their JSON text, as
Istio does, without importing json at start-up: its own writer must give json's text."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fn.analyze.analyzers.virtualservice_validation import json_text

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text() | st.dates())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_json_text_is_what_json_dumps_writes(value):
    assert json_text(value) == json.dumps(value, sort_keys=True, default=str)


def test_the_cases_that_need_care():
    for value in [{"b": 1, "a": [True, None, 1.5]}, "quo\"te\\ \n\t\x00\x7f é 😀", float("nan"), float("-inf"),
                  {"uri": {"prefix": "/a"}, "headers": {"x-b": {"exact": "2"}, "x-a": {"regex": ".*"}}},
                  dt.date(2026, 12, 1), 10**30, -0.0]:
        assert json_text(value) == json.dumps(value, sort_keys=True, default=str)


def test_non_string_keys_become_strings_as_json_makes_them():
    assert json_text({1: "a", False: "b", None: "c", 2.5: "d"}) == json.dumps({"1": "a", "false": "b", "null": "c",
                                                                                "2.5": "d"}, sort_keys=True)
