"""What every command of the ``medfuse`` CLI shares: the consoles and the error-to-exit-code door.

>>> friendly(lambda: 1)()
1
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from rich.console import Console

from medfuse.kg.errors import MedfuseError

__all__ = ["console", "err", "friendly"]

#: Standard output (tables, JSON).
console = Console()
#: Standard error (progress, resolution notes, errors).
err = Console(stderr=True)


def friendly(function: Callable) -> Callable:
    """Turn medfuse errors into one line on stderr and exit code 2."""

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except MedfuseError as error:
            err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            sys.exit(2)

    return wrapper
