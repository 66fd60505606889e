"""The README's first screen and ``.ci/run`` agree."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", text, re.S)[:2]


def test_readme_first_screen_has_the_two_commands() -> None:
    main, tests = _commands()
    assert main.startswith("pip install") and "medfuse" in main
    assert tests.startswith("pip install") and "pytest" in tests
    head = (ROOT / "README.md").read_text().splitlines()[:25]
    assert main in "\n".join(head) and tests in "\n".join(head)


def test_ci_runs_the_readme_test_command() -> None:
    _, tests = _commands()
    assert tests in (ROOT / ".ci/run").read_text().splitlines()
