"""Ready Prefect automations for ratsflow's alarms, created (or replaced) by name.

    python -m deploy.automations            # against PREFECT_API_URL; `make serve` runs it too

One automation per alarm a run can raise: the `ratsflow.source.*` events of tasks/run/freshness.py
(empty, stale, text-missing) and flow runs that ended "Completed with failures". Their action is
"do nothing" until an operator picks one (Automations → edit → Actions: send a notification with an
e-mail or Slack block, call a webhook): every firing is already listed on the automation's page
and in the event feed. Running this again replaces them, so edits of the *trigger* are overwritten;
rename a copy to keep your own.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

PREFIX = "ratsflow: "


@dataclass(frozen=True)
class AlarmAutomation:
    name: str
    description: str
    expect: str
    resource: str


READY_AUTOMATIONS = (
    AlarmAutomation(
        name=PREFIX + "source lists no meetings",
        description="A sync of a whole source found no meetings: expired API key, moved endpoint, empty export.",
        expect="ratsflow.source.empty",
        resource="ratsflow.source.*",
    ),
    AlarmAutomation(
        name=PREFIX + "source is stale",
        description="The newest meeting of a source is older than the run's stale_after_days.",
        expect="ratsflow.source.stale",
        resource="ratsflow.source.*",
    ),
    AlarmAutomation(
        name=PREFIX + "pages without text",
        description="The share of pages without text jumped above the source's usual share (a new scanner?).",
        expect="ratsflow.source.text-missing",
        resource="ratsflow.source.*",
    ),
    AlarmAutomation(
        name=PREFIX + "documents failed",
        description="A ratsflow flow run ended 'Completed with failures': see its failures artifact.",
        expect="prefect.flow-run.Completed with failures",
        resource="prefect.flow-run.*",
    ),
)


def automation_model(alarm: AlarmAutomation):
    """The Prefect AutomationCore for one alarm: fires once per matching event, does nothing yet."""
    from prefect.automations import AutomationCore
    from prefect.events.actions import DoNothing
    from prefect.events.schemas.automations import EventTrigger, Posture

    trigger = EventTrigger(
        expect={alarm.expect}, match={"prefect.resource.id": alarm.resource}, posture=Posture.Reactive,
        threshold=1, within=0,
    )
    return AutomationCore(name=alarm.name, description=alarm.description, enabled=True, trigger=trigger,
                          actions=[DoNothing()])


def install_automations() -> list[str]:
    """Create every ready automation, replacing one of the same name; returns their names."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for alarm in READY_AUTOMATIONS:
            for old in client.read_automations_by_name(alarm.name):
                client.delete_automation(old.id)
            client.create_automation(automation_model(alarm))
    return [alarm.name for alarm in READY_AUTOMATIONS]


def main() -> int:
    for name in install_automations():
        print(f"automation ready: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
