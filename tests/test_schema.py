"""The JSON Schema is the contract with analysts: keep it valid, strict and in step."""

from __future__ import annotations

import ast
import copy
import inspect

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lianzhou_news import items
from lianzhou_news.items import FIELD_ORDER, article_schema, schema_errors

from .conftest import golden_cases


def test_schema_is_valid_draft_2020_12():
    Draft202012Validator.check_schema(article_schema())


def test_schema_and_item_class_name_the_same_fields_in_the_same_order():
    assert list(article_schema()["properties"]) == FIELD_ORDER
    assert article_schema()["required"] == FIELD_ORDER


def test_every_item_field_is_documented_in_items_py():
    source = inspect.getsource(items.ArticleItem)
    tree = ast.parse(source)
    lines = source.splitlines()
    for node in tree.body[0].body:
        if isinstance(node, ast.Assign):
            name = node.targets[0].id
            above = lines[node.lineno - 2].strip()
            assert above.startswith("#:"), f"field {name} has no #: doc comment"


@pytest.fixture
def good_item():
    return copy.deepcopy(golden_cases()[0].expected)


@pytest.mark.parametrize(
    ("field", "bad_value"),
    [
        ("timestamp", "2023-03-22T17:01:12"),  # no offset
        ("timestamp", "2023-03-22T09:01:12Z"),  # UTC, not +08:00
        ("article_id", "post_1686531"),
        ("title", ""),
        ("lang", "zh-CN"),
        ("credits", {"author": ["某人"]}),
        ("images", [{"url": "/relative.jpg", "alt": None}]),
        ("crawled_at", "2026-11-27T10:00:00+08:00"),
    ],
)
def test_schema_rejects_what_analysts_must_never_get(good_item, field, bad_value):
    assert schema_errors(good_item) == []
    good_item[field] = bad_value
    assert any(error.startswith(field) for error in schema_errors(good_item))


def test_schema_rejects_unknown_fields(good_item):
    good_item["extra"] = 1
    assert schema_errors(good_item)


# --- The compiled fast check agrees with jsonschema ---------------------------
# schema_errors asks fastjsonschema first and jsonschema only when that says
# "invalid"; an item the fast check wrongly passed would reach analysts.

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False, width=16)
    | st.sampled_from(["", "x", "123", "zh-Hant", "day", "body:mojibake", "http://a/b"])
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["url", "alt", "reporter", "editor", "x", "title"]),
            children,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def _jsonschema_says_valid(item) -> bool:
    return not list(items._validator().iter_errors(item))


def _fast_check_says_valid(item) -> bool:
    try:
        items._compiled_check()(item)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    field=st.sampled_from([*FIELD_ORDER, "extra"]),
    value=_json_values,
    drop=st.booleans(),
)
def test_fast_check_agrees_with_jsonschema_on_any_change(field, value, drop):
    item = copy.deepcopy(golden_cases()[0].expected)
    if drop and field in item:
        del item[field]
    else:
        item[field] = value
    before = copy.deepcopy(item)
    assert _fast_check_says_valid(item) == _jsonschema_says_valid(item)
    assert item == before  # checking never changes an item


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("schema_version", True),  # equal to 1 in Python, not in JSON
        ("schema_version", 1.0),
        ("version", True),
        ("images", [{"url": "http://a/b.jpg", "alt": None, "x": 1}]),
        ("credits", {"reporter": []}),
        ("quality", ["body:mojibake", "Body"]),
        ("simplified", {"converted_from": "zh-Hans"}),
    ],
)
def test_fast_check_agrees_with_jsonschema_on_edge_values(field, value):
    item = copy.deepcopy(golden_cases()[0].expected)
    item[field] = value
    assert _fast_check_says_valid(item) == _jsonschema_says_valid(item)
