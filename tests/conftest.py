import shutil
from pathlib import Path

# Imported here, at the top of the stack, and not first inside a Hypothesis test: there pytest's
# assertion rewriting compiles it while Hypothesis has raised the recursion limit, which trips a
# CPython 3.11.7 bug ("SystemError: AST constructor recursion depth mismatch", gh-106905).
import hypothesis.internal.conjecture.optimiser  # noqa: F401
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
LI2018 = SHARED_DATA / "li2018"
EM_FORMATS = SHARED_DATA / "em-formats"


def _need(path: Path) -> Path:
    """Skip the test, saying why, when a folder of ../shared/data is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: this test reads the shared data set beside the checkout")
    return path


@pytest.fixture(scope="session")
def li2018() -> Path:
    """The li2018 data set folder of ../shared/data; the test skips where it is absent."""
    return _need(LI2018)


@pytest.fixture(scope="session")
def em_formats() -> Path:
    """The vendor-format files of ../shared/data; the test skips where they are absent."""
    return _need(EM_FORMATS)


@pytest.fixture(scope="session")
def uhcs_sem() -> Path:
    """The UHCS SEM micrographs of ../shared/data; the test skips where they are absent."""
    return _need(SHARED_DATA / "uhcs-sem")


@pytest.fixture(scope="session")
def uhcs_subset(uhcs_sem):
    """Makes ``folder/<class>/`` with the first ``per_class`` micrographs of each UHCS class
    (a folder-per-class set small enough to train on in a test); returns ``folder``."""

    def make(folder: Path, per_class: int) -> Path:
        for klass in ("carbide_network", "pearlite", "spheroidite"):
            (folder / klass).mkdir(parents=True)
            for path in sorted((uhcs_sem / klass).iterdir())[:per_class]:
                shutil.copy(path, folder / klass / path.name)
        return folder

    return make
