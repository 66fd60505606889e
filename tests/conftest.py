"""Shared fixtures: the term index, and one graph built from the shipped data per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.store import open_store
from medfuse.kg.terms import TermIndex, load_terms

#: Folder of the tiny fixtures made for the tests.
DATA = Path(__file__).parent / "data"
#: Sources of a small graph: 8 catalog records, 1 literature dataset, 1 label map.
SMALL_SOURCES = {
    "imaging-x": DATA / "imaging-x-small.json",
    "literature": DATA / "literature-small.yaml",
    "labels": DATA / "labels-small",
    "curated": DATA / "curated-small",
}


@pytest.fixture(scope="session")
def terms() -> TermIndex:
    """The term index of every shipped term set."""
    return load_terms()


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding a graph built from the shipped catalogs."""
    location = tmp_path_factory.mktemp("store")
    build(location)
    return location


@pytest.fixture(scope="session")
def catalog(built_store: Path, terms: TermIndex) -> Catalog:
    """A catalog over the session's built graph (opened read-only)."""
    return Catalog(open_store(built_store), terms)


class LiveServer:
    """A real uvicorn server on a free loopback port, running in a thread of the test process."""

    def __init__(self, app) -> None:  # noqa: ANN001
        import socket
        import threading

        import uvicorn

        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self._socket.close()


@pytest.fixture(scope="session")
def server(built_store: Path):  # noqa: ANN201
    """The read-only service over the session's graph: 3 s query limit, 2 workers, 1 MiB answers."""
    from medfuse.service.app import create_app
    from medfuse.service.settings import Settings

    settings = Settings(query_timeout=3.0, query_workers=2, max_result_bytes=2**20, max_request_bytes=64 * 1024)
    with LiveServer(create_app(location=str(built_store), settings=settings)) as live:
        yield live


@pytest.fixture(scope="session")
def writable_server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A service with updates enabled (token ``secret``) over a small graph of its own."""
    from medfuse.service.app import create_app
    from medfuse.service.settings import Settings

    location = tmp_path_factory.mktemp("writable") / "store"
    build(location, sources=SMALL_SOURCES)
    settings = Settings(query_timeout=5.0, query_workers=1, update_token="secret")
    with LiveServer(create_app(location=str(location), settings=settings)) as live:
        yield live
