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


def test_worked_example_is_what_the_graph_answers(catalog) -> None:  # noqa: ANN001
    """The README's fusion example: its rules, run on the shipped graph, select the datasets shown."""
    import yaml

    from medfuse.kg.fusion import fuse, parse_rules

    section = (ROOT / "README.md").read_text().split("## Fusion, worked example", 1)[1]
    rules = yaml.safe_load(re.search(r"<<'EOF'\n(.+?)\nEOF", section, re.S).group(1))
    shown = re.search(r"Computed Tomography / 3D: (.+?)\n4\. indexing", section, re.S).group(1)
    result = fuse(catalog, parse_rules(rules))
    (group,) = result.blueprint
    assert sorted(group.datasets) == sorted(re.split(r",\s*", shown.strip()))
    assert f"samples {group.totals['samples']:,}" in section
