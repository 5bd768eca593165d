import pytest

from pod_pipeline_tests.db.pg import fresh_database


@pytest.fixture
def empty_database_url():
    """A fresh database with nothing applied; dropped afterwards."""
    with fresh_database(migrate=False) as url:
        yield url
