"""The README's analyst snippet runs as printed."""

from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_the_consensus_snippet_runs_and_prints_what_it_says(capsys):
    start = README.index("from workflow.consensus import")
    code = README[start : README.index("```", start)]
    exec(compile(code, "README.md", "exec"), {})
    first, second = capsys.readouterr().out.splitlines()
    assert first.startswith("0.849 (")
    assert second == "disputed ('summary',) {'intent': 'refund', 'priority': 2}"
