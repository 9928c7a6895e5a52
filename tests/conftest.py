import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from docsight.settings import Settings


@pytest.fixture
def settings() -> Settings:
    """Default settings, isolated from the developer's environment variables."""
    return Settings(_env_file=None)  # type: ignore[call-arg]
