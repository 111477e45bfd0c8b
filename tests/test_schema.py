"""The JSON Schema is the contract with analysts: keep it valid, strict and in step."""

from __future__ import annotations

import ast
import copy
import inspect

import pytest
from jsonschema import Draft202012Validator

from lianzhou_news import items
from lianzhou_news.items import FIELD_ORDER, article_schema
from lianzhou_news.pipelines import schema_errors

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
