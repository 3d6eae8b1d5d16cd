"""Where the folders Quorum ships beside its code (templates, static, migrations) are found."""

from pathlib import Path

# The wheel carries them here (pyproject.toml's force-include); a source checkout has them at
# its top level, where the editable install leaves them.
_WHEEL = Path(__file__).resolve().parents[1] / "shipped"
_SOURCE = Path(__file__).resolve().parents[2]


def shipped(name: str) -> Path:
    """The shipped folder `name`: inside the installed wheel if it is there, else the source's."""
    inside = _WHEEL / name
    return inside if inside.is_dir() else _SOURCE / name
