"""The plain editor's list of fields: every field a letter can print, by what it is, with
dates written the way the suggested wordings write them."""

from letters import context, sandbox


def test_the_field_list_names_each_field_and_inserts_it_ready_to_print():
    fields = dict((snippet, label) for label, snippet in context.insertable("meeting_invitation"))

    assert fields["{{ pupil.forename }}"].startswith("The pupil's preferred forename")
    assert '{{ cause.meeting_date|date:"j F Y" }}' in fields
    assert '{{ cause.meeting_time|time:"g:i a" }}' in fields
    assert '{{ date|date:"j F Y" }}' in fields
    assert not any("contacts" in snippet or "address_lines" in snippet for snippet in fields)


def test_every_field_the_editor_offers_passes_the_sandbox():
    for kind in ("stage_1", "traffic_red", "leave_partly_granted", "missing_from_school"):
        allowed = context.documented_paths(kind)
        for _label, snippet in context.insertable(kind):
            assert sandbox.template_errors(f"<p>{snippet}</p>", allowed, context.LISTS) == []
