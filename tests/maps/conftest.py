"""The map tests' builder: sites with a given latest status, submissions with processed photos."""
import pytest

from tests.factories import MapBuilder


@pytest.fixture
def build(app):
    return MapBuilder(app)
