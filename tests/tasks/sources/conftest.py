import pytest

from schemas.settings import Settings
from tasks.http import HttpClient


@pytest.fixture
def client():
    with HttpClient(Settings(), retries=0) as c:
        yield c
