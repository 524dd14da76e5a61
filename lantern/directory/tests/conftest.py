"""Fixtures shared by the directory tests."""

from typing import Any

import pytest

from lantern.directory.demo import demo_seed
from lantern.directory.tests.hsds_support import enrich_directory, export, read_json


@pytest.fixture
def demo() -> None:
    demo_seed(services=40, seed=3)
    enrich_directory()


@pytest.fixture
def world_export(world, tmp_path) -> dict[str, Any]:
    """The world exported in full: the services as JSON, keyed by service id."""
    export(tmp_path / "full", "--include-confidential")
    services = read_json(tmp_path / "full" / "json" / "services.json")
    return {s["id"]: s for s in services}
