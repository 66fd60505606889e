"""Loaders: one module per upstream source, each a pure function from a file to dataset facts.

:data:`LOADERS` registers them; the build runs them in this order, and the CLI's ``--source``
choices come from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Loader", "LOADERS"]


@dataclass(frozen=True)
class Loader:
    """A registered source: its name, its load function and the shipped file it reads."""

    name: str
    module: str

    def _module(self) -> Any:
        import importlib

        return importlib.import_module(f"medfuse.loaders.{self.module}")

    @property
    def default_path(self) -> Any:
        """The shipped file this loader reads by default."""
        return self._module().DEFAULT_PATH

    @property
    def load(self) -> Callable[..., Any]:
        """The loader's ``load(path, *, terms, known)`` function."""
        return self._module().load


#: Source name → loader, in build order.
LOADERS: dict[str, Loader] = {
    "imaging-x": Loader("imaging-x", "imaging_x"),
    "literature": Loader("literature", "literature"),
    "labels": Loader("labels", "labels"),
    "curated": Loader("curated", "curated"),
}
