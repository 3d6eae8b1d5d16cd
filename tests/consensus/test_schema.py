"""Label schema specs: configuration checks, value validation, JSON round trip, inference."""

import json

import pytest

from workflow.consensus import (
    LabelSchemaSpec,
    SchemaConfigError,
    ValueMismatchError,
    ValueType,
    infer_spec,
)

ORDER = LabelSchemaSpec(
    name="order",
    value_type="structured",
    fields=(
        LabelSchemaSpec(name="status", value_type="categorical", options=("open", "closed")),
        LabelSchemaSpec(name="total", value_type="numeric", min_value=0, tolerance=0.01),
        LabelSchemaSpec(
            name="lines",
            value_type="structured",
            list_key="sku",
            fields=(LabelSchemaSpec(name="qty", value_type="numeric", min_value=0),),
        ),
    ),
    required_fields=("status", "total"),
)


def test_round_trip_through_json_is_lossless():
    data = json.loads(json.dumps(ORDER.to_dict()))
    assert LabelSchemaSpec.from_dict(data) == ORDER
    assert data["fields"][0]["options"] == ["open", "closed"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"name": "x", "value_type": "colour"}, "value_type must be one of"),
        ({"name": "", "value_type": "text"}, "name"),
        ({"name": "x", "value_type": "text", "options": ["a"]}, "options only apply"),
        ({"name": "x", "value_type": "categorical", "options": []}, "non-empty"),
        ({"name": "x", "value_type": "categorical", "options": ["a", "a"]}, "distinct"),
        ({"name": "x", "value_type": "categorical", "ordered": True}, "needs options"),
        ({"name": "x", "value_type": "numeric", "min_value": 5, "max_value": 1}, "below"),
        ({"name": "x", "value_type": "numeric", "tolerance": -1}, "tolerance"),
        ({"name": "x", "value_type": "text", "agreement_threshold": 0.5}, "(0.5, 1]"),
        ({"name": "x", "value_type": "text", "reliability_min_history": 0}, ">= 1"),
        ({"name": "x", "value_type": "text", "list_key": "id"}, "structured only"),
        ({"name": "x", "value_type": "text", "colour": "red"}, "unknown label schema keys"),
        ({"name": "x", "value_type": "categorical", "options": ["a"], "ordered": "yes"}, "ordered"),
        ({"name": "x", "value_type": "structured", "required_fields": "ab"}, "list of names"),
        ({"name": "x", "value_type": "structured", "fields": "a"}, "list of label schemas"),
        (
            {
                "name": "x",
                "value_type": "structured",
                "fields": [{"name": "a", "value_type": "text"}],
                "required_fields": ["b"],
            },
            "unknown required fields",
        ),
        ([], "JSON object"),
    ],
)
def test_bad_configuration_is_refused_clearly(config, message):
    with pytest.raises(SchemaConfigError, match=message.replace("(", r"\(").replace("]", r"\]")):
        LabelSchemaSpec.from_dict(config)


def test_errors_are_value_errors():
    assert issubclass(SchemaConfigError, ValueError)
    assert issubclass(ValueMismatchError, ValueError)


def test_validate_returns_canonical_values():
    assert LabelSchemaSpec(name="p", value_type="pass_fail").validate("PASS") is True
    cat = LabelSchemaSpec(name="c", value_type="categorical", options=(1, 2))
    assert cat.validate(1.0) == 1
    lst = LabelSchemaSpec(name="l", value_type="text_list")
    assert lst.validate(["A", "a.", "b"]) == ["A", "b"]
    ordered = ORDER.validate({"status": "open", "total": 3, "lines": [{"sku": "b"}, {"sku": "a"}]})
    assert [line["sku"] for line in ordered["lines"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (LabelSchemaSpec(name="p", value_type="pass_fail"), "maybe", "pass/fail"),
        (LabelSchemaSpec(name="c", value_type="categorical", options=("a",)), "b", "not one of"),
        (LabelSchemaSpec(name="c", value_type="categorical", options=(1,)), True, "not one of"),
        (LabelSchemaSpec(name="n", value_type="numeric", max_value=5), 6, "above the maximum"),
        (LabelSchemaSpec(name="n", value_type="numeric"), True, "expected a number"),
        (LabelSchemaSpec(name="n", value_type="numeric"), float("nan"), "finite"),
        (LabelSchemaSpec(name="t", value_type="text"), 3, "expected text"),
        (LabelSchemaSpec(name="l", value_type="text_list"), "a", "expected a list"),
        (ORDER, {"status": "shipped", "total": 1}, "order.status"),
        (ORDER, {"status": "open", "lines": [{"qty": 1}]}, "key field"),
        (ORDER, {"status": "open", "lines": [{"sku": "a"}, {"sku": "a"}]}, "duplicate key"),
        (ORDER, {"status": "open", "lines": [{"sku": "a", "qty": -1}]}, r"lines\[sku=a\]\.qty"),
    ],
)
def test_values_that_do_not_fit_are_refused_with_their_path(spec, value, message):
    with pytest.raises(ValueMismatchError, match=message):
        spec.validate(value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False], ValueType.PASS_FAIL),
        ([1, 2.5], ValueType.NUMERIC),
        (["a long answer", "another"], ValueType.TEXT),
        ([["doc1", "doc2"], []], ValueType.TEXT_LIST),
        ([[1, 2], [3]], ValueType.CATEGORICAL_LIST),
        ([{"a": 1}], ValueType.STRUCTURED),
        ([1, "one"], ValueType.CATEGORICAL),
        ([True, 1], ValueType.CATEGORICAL),
    ],
)
def test_infer_spec_picks_a_conservative_type(values, expected):
    spec = infer_spec("expected_x", values)
    assert spec.value_type is expected
    assert spec.tolerance == 0
    assert spec.required_fields is None
