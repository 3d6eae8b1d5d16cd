"""The annotate form, pure: the controls a schema makes, the value a sent form makes, and the
form an earlier answer fills; refusals name the field at fault."""

import pytest

from workflow.consensus import LabelSchemaSpec
from workflow.kernel.errors import InvalidInput
from workflow.queue.form_values import Control, form_fields, typed_from_value, value_from_form


def spec(**fields) -> LabelSchemaSpec:
    return LabelSchemaSpec.from_dict({"name": "answer", **fields})


EXTRACTION = spec(
    value_type="structured",
    required_fields=["company"],
    fields=[
        {"name": "company", "value_type": "text"},
        {"name": "sentiment", "value_type": "categorical", "options": ["pos", "neu", "neg"]},
        {
            "name": "details",
            "value_type": "structured",
            "required_fields": ["score"],
            "fields": [
                {"name": "score", "value_type": "numeric", "min_value": 0, "max_value": 10},
                {"name": "tags", "value_type": "text_list"},
                {"name": "flags", "value_type": "categorical_list", "options": ["a", "b"]},
            ],
        },
    ],
)


@pytest.mark.parametrize(
    ("schema", "control"),
    [
        (spec(value_type="categorical", options=["yes", "no"]), Control.RADIO),
        (spec(value_type="categorical", options=list("abcdefg")), Control.SELECT),
        (spec(value_type="categorical"), Control.LINE),
        (spec(value_type="pass_fail"), Control.RADIO),
        (spec(value_type="categorical_list", options=["x", "y"]), Control.CHECKBOXES),
        (spec(value_type="numeric", min_value=1, max_value=5), Control.NUMBER),
        (spec(value_type="text"), Control.TEXT),
        (spec(value_type="text_list", list_mode="ordered"), Control.LINES),
        (EXTRACTION, Control.GROUP),
        (spec(value_type="structured"), Control.JSON),
    ],
)
def test_each_value_type_gets_its_control(schema, control):
    assert form_fields(schema, {}).control is control


def test_choices_are_sent_as_indexes_so_one_true_and_the_text_1_stay_apart():
    mixed = spec(value_type="categorical", options=[1, True, "1"])
    field = form_fields(mixed, {"value": ["1"]})
    assert [(c.value, c.label, c.chosen) for c in field.choices] == [
        ("0", "1", False),
        ("1", "true", True),
        ("2", "1", False),
    ]
    assert value_from_form(mixed, {"value": ["1"]}) is True
    assert value_from_form(mixed, {"value": ["2"]}) == "1"
    assert typed_from_value(mixed, 1) == {"value": ["0"]}


@pytest.mark.parametrize(
    ("schema", "form", "value"),
    [
        (spec(value_type="pass_fail"), {"value": ["false"]}, False),
        (spec(value_type="numeric", min_value=0, max_value=10), {"value": [" 7 "]}, 7),
        (spec(value_type="numeric"), {"value": ["-2.5e1"]}, -25.0),
        (spec(value_type="text"), {"value": ["two\r\nlines "]}, "two\nlines "),
        (spec(value_type="categorical"), {"value": [" free "]}, "free"),
        (spec(value_type="text_list"), {"value": [" b \r\n\r\na\n"]}, ["b", "a"]),
        (spec(value_type="text_list"), {"value": [""]}, []),
        (
            spec(value_type="categorical_list", options=list("xyz")),
            {"value": ["2", "0"]},
            ["x", "z"],
        ),
        (spec(value_type="categorical_list", options=["x"]), {}, []),
        (spec(value_type="structured"), {"value": ['{"k": [1, null]}']}, {"k": [1, None]}),
    ],
)
def test_a_sent_form_makes_the_value(schema, form, value):
    made = value_from_form(schema, form)
    assert made == value and type(made) is type(value)


def test_a_structure_keeps_what_was_filled_and_leaves_out_optional_fields_left_empty():
    form = {
        "value.0": ["TechCorp"],
        "value.1": [""],
        "value.2.0": ["3.5"],
        "value.2.1": ["launch\nearnings"],
        "value.2.2": ["1"],
        "rationale": ["not part of the value"],
    }
    value = value_from_form(EXTRACTION, form)
    assert value == {
        "company": "TechCorp",
        "details": {"score": 3.5, "tags": ["launch", "earnings"], "flags": ["b"]},
    }
    # An optional group left empty is left out as a whole.
    assert value_from_form(EXTRACTION, {"value.0": ["TechCorp"]}) == {"company": "TechCorp"}


def test_an_earlier_answer_fills_the_form_it_would_be_sent_from():
    value = {
        "company": "<b>Co</b>",
        "sentiment": "neg",
        "details": {"score": 10, "tags": ["x", "y"], "flags": ["a", "b"]},
    }
    typed = typed_from_value(EXTRACTION, value)
    assert typed == {
        "value.0": ["<b>Co</b>"],
        "value.1": ["2"],
        "value.2.0": ["10"],
        "value.2.1": ["x\ny"],
        "value.2.2": ["0", "1"],
    }
    assert value_from_form(EXTRACTION, typed) == value
    field = form_fields(EXTRACTION, typed)
    company, sentiment, details = field.fields
    assert (company.text, company.required, sentiment.required) == ("<b>Co</b>", True, False)
    assert [c.chosen for c in sentiment.choices] == [False, False, True]
    # Inside an optional group, nothing is required of the browser; the server checks.
    assert [f.required for f in details.fields] == [False, False, False]
    assert [f.marked for f in details.fields] == [True, False, False]
    assert field.any_marked and not form_fields(spec(value_type="text_list"), {}).any_marked
    assert details.fields[0].min_value == 0 and details.fields[0].max_value == 10


def test_a_value_that_no_longer_fits_fills_nothing():
    assert typed_from_value(EXTRACTION, "not an object") == {}
    assert typed_from_value(spec(value_type="categorical", options=["a"]), "gone") == {"value": []}


@pytest.mark.parametrize(
    ("schema", "form", "message"),
    [
        (spec(value_type="text"), {"value": ["   "]}, "answer: an answer is needed"),
        (spec(value_type="numeric"), {"value": ["12abc"]}, "'12abc' is not a number"),
        (spec(value_type="numeric"), {"value": ["1e999"]}, "is not a number"),
        (spec(value_type="numeric", max_value=5), {"value": ["6"]}, "above the maximum 5"),
        (spec(value_type="categorical", options=["a"]), {"value": ["7"]}, "pick one of the"),
        (spec(value_type="categorical_list", options=["a"]), {"value": ["0", "x"]}, "pick among"),
        (spec(value_type="structured"), {"value": ["{"]}, "not valid JSON"),
        (EXTRACTION, {}, "answer > company: an answer is needed"),
        (EXTRACTION, {"value.1": ["0"]}, "answer > company: an answer is needed"),
        (
            EXTRACTION,
            {"value.0": ["Co"], "value.2.1": ["tag"]},
            "answer > details > score: an answer is needed",
        ),
    ],
)
def test_a_form_that_does_not_fit_is_refused_naming_the_field(schema, form, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        value_from_form(schema, form)


def test_every_fault_is_named_at_once():
    with pytest.raises(InvalidInput) as refused:
        value_from_form(EXTRACTION, {"value.1": ["9"], "value.2.0": ["x"]})
    assert str(refused.value).split("; ") == [
        "answer > sentiment: pick one of the options shown",
        "answer > details > score: 'x' is not a number",
        "answer > company: an answer is needed",
    ]
