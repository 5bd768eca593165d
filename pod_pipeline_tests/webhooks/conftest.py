"""A fresh, migrated database on the local PostgreSQL for each test that asks for one."""

import pytest

from pod_pipeline_tests.db.pg import fresh_database


@pytest.fixture
def database_url():
    with fresh_database() as url:
        yield url
