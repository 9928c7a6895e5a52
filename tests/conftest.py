import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from docsight.settings import Settings


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/formats/golden/* from the writers' current output",
    )


@pytest.fixture
def settings() -> Settings:
    """Default settings, isolated from the developer's environment variables."""
    return Settings(_env_file=None)  # type: ignore[call-arg]
