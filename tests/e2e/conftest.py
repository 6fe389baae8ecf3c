"""Fixtures for the end-to-end tests: the Synapse that the Matrix tests share (one per module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e import synapse as synapse_module
from tests.e2e.synapse import Synapse, free_port


@pytest.fixture(scope="module")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    why = synapse_module.missing_reason()
    if why is not None:
        pytest.skip(why)
    server = Synapse(tmp_path_factory.mktemp("synapse"), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
