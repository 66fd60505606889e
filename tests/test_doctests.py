"""Run the ``>>>`` examples of every medfuse module's docstrings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("medfuse.kg", "medfuse.loaders", "medfuse.service")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, prefix=package + ".")]
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0
