import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LI2018 = SHARED_DATA / "li2018"
EM_FORMATS = SHARED_DATA / "em-formats"


def need(path: Path) -> Path:
    """Skip the test, saying why, when a folder of ../shared/data is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the shared data set beside the checkout")
    return path
