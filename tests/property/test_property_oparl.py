"""The OParl reader on arbitrary server answers: a dict or SourceInvalid, and meetings that keep the agenda's order."""

import json

from hypothesis import given
from hypothesis import strategies as st
from strategies import JSON, MEETING

from schemas.errors import SourceInvalid
from schemas.pipeline import SourceMeeting
from tasks.sources.oparl import meeting_from_oparl, parse_oparl_json

URL = "https://ris.example.de/oparl/v1/body/1/meeting"
ANSWERS = st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()) | st.tuples(
    JSON, st.sampled_from(["\x00", "\x07", "\n", "\ud800", "\x1f"])).map(lambda a: json.dumps(a[0]).replace(" ", a[1], 1).encode("utf-8", "surrogatepass"))


@given(ANSWERS)
def test_any_answer_is_an_object_or_a_typed_refusal(raw):
    try:
        data = parse_oparl_json(raw, URL)
    except SourceInvalid as err:
        assert URL in str(err)
        return
    assert isinstance(data, dict)


@given(MEETING)
def test_any_meeting_object_becomes_a_meeting_with_its_agenda_in_order(item):
    meeting = meeting_from_oparl(item, source="https://ris.example.de/oparl/v1/system", body_name="Kreis", organizations={})
    assert isinstance(meeting, SourceMeeting) and meeting.external_id == item["id"]
    if meeting.deleted:
        assert meeting.agenda == [] and meeting.documents == []
        return
    listed = [i for i in (item.get("agendaItem") if isinstance(item.get("agendaItem"), list) else [item.get("agendaItem")])
              if isinstance(i, dict) and not i.get("deleted")]
    assert [e.name for e in meeting.agenda] == [str(i.get("name") or "").strip() for i in listed]
    ids = [d.external_id for d in meeting.documents]
    assert len(ids) == len(set(ids)) and all(ids)
    assert all(d.url == "" or d.url.startswith(("http://", "https://")) for d in meeting.documents)
