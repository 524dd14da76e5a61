import pytest

from lantern.geography.build import build


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The outlines built once for this test session, in a folder of its own."""
    directory = tmp_path_factory.mktemp("geography")
    return build(directory)
