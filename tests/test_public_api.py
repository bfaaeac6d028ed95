"""The public API: ``from edge import ...`` works without loading Numba, and the examples in the
public functions' docstrings run as written."""

import doctest
import subprocess
import sys

import pytest

import edge
from edge.io import images
from edge.kernels import watershed
from edge.pipeline import pipeline


def test_importing_edge_loads_no_numba_until_a_name_is_used():
    code = "import sys, edge; assert 'numba' not in sys.modules; edge.Pipeline; assert 'numba' in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_public_names_come_from_their_modules():
    assert edge.Pipeline is pipeline.Pipeline and edge.read_frame is images.read_frame
    with pytest.raises(AttributeError, match="no attribute 'Pipe'"):
        edge.Pipe  # noqa: B018


@pytest.mark.parametrize("function", [pipeline.Pipeline.analyse, images.read_frame, watershed.flood])
def test_a_public_functions_example_runs_as_written(function):
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    tests = finder.find(function, function.__qualname__, globs=dict(vars(sys.modules[function.__module__])))
    assert tests and tests[0].examples
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
