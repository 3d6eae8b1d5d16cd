"""Wording emails: the Jinja2 templates in templates/email, a text part and an autoescaped
HTML part for each letter the mailer hands over."""

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workflow.kernel.shipped import shipped
from workflow.mail import Letter, Notice, Words


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(shipped("templates") / "email"),
        # Names and notes are people's text: escaped in the HTML part, kept as is in the text.
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _sentence(n: Notice) -> str:
    """What one notice says, as plain text (the HTML part escapes it)."""
    item = f"item {n.item_id} ({n.name})"
    if n.type == "review.vote_needed":
        return f"Your vote is needed on {item}: its annotators disagree."
    if n.type == "item.escalated":
        to = f" to the {n.escalated_to}" if n.escalated_to else ""
        return f"The review of {item} was escalated{to}: it needs a decision."
    if n.type == "item.reopened":
        return f"{item.capitalize()} was sent back to you" + (
            f" with this note: {n.note}" if n.note else "."
        )
    if n.type == "assignment.expiring":
        return f"Your claim on {item} expires at {n.expires_at}: finish it, or it goes back."
    if n.type == "webhook.disabled":
        return f"Quorum stopped sending to {n.url}: {n.reason}. Resume it once it answers."
    if n.type == "campaign.completed":
        return f"Campaign {n.campaign_id} is complete: every item has its canonical expectation."
    return f"{n.title}: {item}."


def _subject(letter: Letter) -> str:
    # One line, whatever a name holds: a line break would end the header (and the send).
    return " ".join(_worded_subject(letter).split())[:200]


def _worded_subject(letter: Letter) -> str:
    if letter.kind == "digest":
        count = len(letter.notices)
        return f"Quorum digest: {count} update{'s' if count != 1 else ''}"
    first = letter.notices[0]
    about = f": {first.name} (item {first.item_id})" if first.item_id is not None else ""
    return f"{first.title}{about}"


def compose(letter: Letter) -> Words:
    """The subject, text and HTML of `letter`."""
    environment = _environment()
    subject = _subject(letter)
    said = [(n, _sentence(n)) for n in letter.notices]
    context = {"letter": letter, "subject": subject, "said": said}
    text = environment.get_template("letter.txt").render(context)
    html = environment.get_template("letter.html").render(context)
    return Words(subject=subject, text=text, html=html)
