"""The parameter forms the Prefect UI draws from the flows' schemas: ISO date inputs, optional fields
without a "None" type switch, and the server's validation still accepting an empty optional field."""

import pytest
from prefect.utilities.callables import parameter_schema
from prefect.utilities.schema_tools.validation import ValidationError, validate

from flows.backfill import backfill
from flows.reprocess import reprocess
from flows.sync import sync


def form(flow) -> tuple[dict, dict]:
    schema = parameter_schema(flow.fn).model_dump()
    [definition] = schema["definitions"].values()
    return schema, definition["properties"]


@pytest.mark.parametrize("flow", [sync, backfill, reprocess])
def test_optional_fields_are_flat_and_days_are_date_inputs(flow):
    _, fields = form(flow)
    for name, field in fields.items():
        assert {"type": "null"} not in field.get("anyOf", []) or field.get("default") is not None, name
        assert field.get("description"), name
    for name in ("start_from", "start_to"):
        assert fields[name]["type"] == "string" and fields[name]["format"] == "date"


def test_the_server_side_check_accepts_empty_optional_fields_and_refuses_bad_ones():
    schema, _ = form(sync)
    validate({"params": {"system_url": "http://127.0.0.1:8765/oparl/v1/system", "kind": None, "label": None,
                         "start_from": None}}, schema, raise_on_error=True)
    validate({"params": {"system_url": "x", "kind": "oparl", "start_from": "2019-01-01"}}, schema, raise_on_error=True)
    with pytest.raises(ValidationError, match="kind"):
        validate({"params": {"system_url": "x", "kind": "foo"}}, schema, raise_on_error=True)
    # JSON Schema formats are hints to the form only; the flow's own model refuses a day that is none.
    from pydantic import ValidationError as ModelError

    from schemas.params import SyncParams

    with pytest.raises(ModelError, match="start_from"):
        SyncParams(system_url="x", start_from="1. Mai")
