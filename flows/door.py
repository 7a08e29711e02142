"""Checks at the door: every argument of a command is checked before any work starts, and before the
temporary Prefect server does, so a typo costs a second and says which option is wrong.

The rules themselves live in the parameter models (schemas/params.py), so a run started from the
Prefect UI is refused for the same reasons; here their complaints become one line that names the
command line option instead of the model field.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import typer
from pydantic import BaseModel, ValidationError

from schemas.errors import ConfigurationError

# Model field → the option an operator typed.
OPTION_NAMES = {
    "system_url": "SOURCE",
    "kind": "--kind",
    "chunk": "--chunk",
    "start_from": "--from",
    "start_to": "--to",
    "document_ids": "--document",
    "segmenter_older_than": "--segmenter-older-than",
    "database_url": "--database",
    "location": "LOCATION",
    "meeting_date": "--date",
    "limit": "--limit",
}


def iso_day(value: str) -> date:
    """A day as YYYY-MM-DD (typer parser); an impossible day like 2019-02-30 says why."""
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise typer.BadParameter(f"{value!r} is not a day in the form YYYY-MM-DD ({err})") from None


def parameter_problem(err: ValidationError) -> str:
    """The first complaint of a parameter model in one line, naming the option, without pydantic's links."""
    problems = []
    for error in err.errors(include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        if field:
            problems.append(f"{OPTION_NAMES.get(field, field)} {error.get('input')!r}: {message[0].lower()}{message[1:]}")
        else:  # a rule over several fields names them in its message
            problems.append(re.sub(r"\b[a-z]+_[a-z_]+\b", lambda m: OPTION_NAMES.get(m[0], m[0]), message))
    return "; ".join(problems)


def checked_params(model: type[BaseModel], **values) -> BaseModel:
    """`model(**values)`, or ConfigurationError with the one-line problem."""
    try:
        return model(**values)
    except ValidationError as err:
        raise ConfigurationError(parameter_problem(err)) from None


def agenda_from_file(path: Path):
    """The agenda entries of a JSON file (a list, or OParl's `agendaItem` / an `items` list); the file and
    its problem are named when it is not one."""
    from schemas.pipeline import AgendaEntry

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigurationError(f"agenda file {path} is not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigurationError(f"agenda file {path} cannot be read: {err}") from None
    if isinstance(raw, dict):
        raw = raw.get("agendaItem", raw.get("items"))
    if not isinstance(raw, list):
        raise ConfigurationError(f"agenda file {path} holds no list of agenda items (a JSON list, or 'agendaItem' / 'items')")
    entries = []
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not (item.get("number") or item.get("name")):
            raise ConfigurationError(
                f"agenda file {path}: item {position} has neither a number nor a name ({json.dumps(item, ensure_ascii=False)[:80]})"
            )
        try:
            entries.append(AgendaEntry.model_validate(item))
        except ValidationError as err:
            raise ConfigurationError(f"agenda file {path}: item {position}: {parameter_problem(err)}") from None
    return entries
