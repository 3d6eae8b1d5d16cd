"""Wording emails, pure: the HTML part escapes what people wrote and the text part keeps it
as written; subjects are one line; every notice links where the person acts."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from workers.letters import compose
from workflow.mail.letters import Letter, Notice, message

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def sent_back(note: str, name: str = "intent") -> Notice:
    return Notice(
        "item.reopened", "An item came back to you", AT, "https://q.example/work/items/7",
        7, name, 3, note, None, None, None, None,
    )  # fmt: skip


def letter(*notices: Notice, kind: str = "event") -> Letter:
    return Letter(
        kind, "ann1", "ann1@example.com", notices, "https://q.example/email/unsubscribe/t.s",
        "https://q.example/settings/notifications", "item.reopened",
    )  # fmt: skip


def test_the_html_part_escapes_a_note_and_the_text_part_keeps_it():
    words = compose(letter(sent_back('<script>alert("x")</script> & more')))
    assert "<script>" not in words.html and "&lt;script&gt;" in words.html
    assert '<script>alert("x")</script> & more' in words.text
    assert 'href="https://q.example/work/items/7"' in words.html
    assert words.subject == "An item came back to you: intent (item 7)"


def test_a_digest_is_one_email_that_links_every_notice():
    words = compose(letter(sent_back("a"), sent_back("b"), kind="digest"))
    assert words.subject == "Quorum digest: 2 updates"
    assert words.text.count("https://q.example/work/items/7") == 2


@given(st.text(min_size=1, max_size=300), st.text(max_size=300))
def test_any_name_and_note_make_a_message_that_can_be_sent(name, note):
    told = letter(sent_back(note, name=name))
    words = compose(told)
    assert "\n" not in words.subject and "\r" not in words.subject
    mail = message(told, words, sender="Quorum <q@q.example>", message_id="<1@q.example>")
    assert mail.as_bytes()  # a header that could not be written would raise here
