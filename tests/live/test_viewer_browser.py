"""The live page in a real browser: Debian's chromium driven by Playwright, against `edge serve
--viewer` fed by `edge replay` of the six sample frames, as a microscopist would open it."""

import contextlib
import math
import shutil
import socket
import subprocess
import sys

import cv2
import pytest
import zmq

from edge.io.bundled import sample_paths
from edge.io.images import read_frame
from edge.live.client import read_publication

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served():
    """`edge serve` with a viewer on free loopback ports; yields (input, output, page url)."""
    yield from serving()


@pytest.fixture
def served_tracked():
    """``served``, following each loop from frame to frame (--track)."""
    yield from serving("--track")


@contextlib.contextmanager
def subscribed(endpoint: str):
    """A SUB socket on ``endpoint`` subscribed to everything, closed however the test ends (an
    open socket would hold its context's ending, and the run, forever)."""
    context = zmq.Context()
    subscriber = context.socket(zmq.SUB)
    subscriber.setsockopt(zmq.LINGER, 0)
    subscriber.setsockopt(zmq.SUBSCRIBE, b"")
    subscriber.connect(endpoint)
    try:
        yield subscriber
    finally:
        subscriber.close(0)
        context.term()


def serving(*flags: str):
    ports = [free_port() for _ in range(3)]
    endpoints = [f"tcp://127.0.0.1:{port}" for port in ports[:2]]
    command = [sys.executable, "-m", "edge.cli", "serve", "--in", f"bind:{endpoints[0]}", "--out"]
    command += [f"bind:{endpoints[1]}", "--viewer", f"127.0.0.1:{ports[2]}", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:  # the service says when its viewer listens
        if line.startswith("viewer on "):
            break
    else:
        raise AssertionError(f"edge serve ended before its viewer listened (exit {process.wait()})")
    yield *endpoints, f"http://127.0.0.1:{ports[2]}/"
    process.terminate()
    assert process.wait(60) == 0


def test_the_page_shows_the_series_the_last_count_the_histogram_and_the_frame(served):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    frames_in, results_out, url = served
    with subscribed(results_out) as subscriber, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function("window.edgeViewer.status !== null")  # the viewer relays the service
        while read_publication(subscriber.recv_multipart())[0] != "status":  # and our subscription is live
            pass
        paths = [str(path) for path in sample_paths()]
        subprocess.run([sys.executable, "-m", "edge.cli", "replay", *paths, "--to", frames_in, "--pixel-size",
                        "0.474", "--series", "sample-frames"], check=True, timeout=120)  # fmt: skip
        published = []
        while not (published and published[-1][0] == "series" and published[-1][1]["final"]):
            published.append(read_publication(subscriber.recv_multipart()))
        last_frame = [body for topic, body in published if topic == "frame"][-1]
        final = published[-1][1]
        page.wait_for_function("window.edgeViewer.series && window.edgeViewer.series.state === 'ended'")
        page.wait_for_function(
            f"window.edgeViewer.preview && window.edgeViewer.preview.frame === {last_frame['frame']}"
        )
        page.wait_for_function("window.edgeViewer.drawn > 0")
        assert page.inner_text("#connection") == "live"
        # the per-frame chart: its legend in a band of its own above the plot, each line on a round scale
        trend = page.evaluate("window.edgeViewer.trend")
        assert trend["plotTop"] > trend["legendBottom"]
        counts = [body["count"] for topic, body in published if topic == "frame"]
        top = trend["ticks"]["left"][-1]
        assert top >= max(counts) and top / 10 ** math.floor(math.log10(top)) in (1, 2, 5, 10)
        assert trend["ticks"]["left"] == [0, top / 2, top] and len(trend["ticks"]["right"]) == 3
        assert page.inner_text("#series-name") == "sample-frames"
        assert page.inner_text("#frame-count") == str(last_frame["count"])
        assert page.inner_text("#series-total") == str(final["count"]) and final["frames"] == len(paths)
        bins = page.evaluate("window.edgeViewer.series.summary.diameter_histogram.counts")
        assert sum(bins) == final["count"]
        box = page.locator("#frame-canvas").bounding_box()
        assert box["width"] > 0 and box["height"] > 0
        drawn = page.evaluate("(() => { const c = document.getElementById('frame-canvas');"
                              " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                              " return d.some((v, i) => i % 4 !== 3 && v > 0); })()")  # fmt: skip
        assert drawn
        assert errors == []
        browser.close()


def test_a_tracked_series_colours_each_loop_by_its_track_age_and_charts_tracks_and_growth(served_tracked, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    frames_in, results_out, url = served_tracked
    frame = read_frame(sample_paths()[0]).pixels
    paths = []  # a field of view drifting 6 px a frame across a sample frame
    for number in range(8):
        paths.append(tmp_path / f"drifting_{number}.png")
        cv2.imwrite(str(paths[-1]), frame[100 + 6 * number : 612 + 6 * number, 100:612])
    with subscribed(results_out) as subscriber, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.wait_for_function("window.edgeViewer.status !== null")
        while read_publication(subscriber.recv_multipart())[0] != "status":
            pass
        subprocess.run([sys.executable, "-m", "edge.cli", "replay", *map(str, paths), "--to", frames_in,
                        "--series", "drifting"], check=True, timeout=120)  # fmt: skip
        published = []
        while not (published and published[-1][0] == "series" and published[-1][1]["final"]):
            published.append(read_publication(subscriber.recv_multipart()))
        frames = [body for topic, body in published if topic == "frame"]
        final = published[-1][1]["tracks"]
        page.wait_for_function("window.edgeViewer.series && window.edgeViewer.series.state === 'ended'")
        page.wait_for_function(
            f"window.edgeViewer.preview && window.edgeViewer.preview.frame === {frames[-1]['frame']}"
        )
        page.wait_for_function(f"window.edgeViewer.ellipseColours.length === {frames[-1]['count']}")
        ages = [e["track_age"] for e in page.evaluate("window.edgeViewer.preview.ellipses")]
        assert ages == [d["track_age"] for d in frames[-1]["defects"]] and max(ages) == 7
        colours = page.evaluate("window.edgeViewer.ellipseColours")
        expected = page.evaluate(f"{ages}.map(window.edgeViewer.ageColour)")
        assert colours == expected and page.evaluate(
            "window.edgeViewer.ageColour(0) !== window.edgeViewer.ageColour(7)"
        )
        chart = page.evaluate("window.edgeViewer.tracksChart")
        assert chart["alive"] == [body["tracks"]["alive"] for body in frames]
        assert chart["born"] == [body["tracks"]["born"] for body in frames]
        assert page.is_visible("#tracking") and page.is_visible("#age-legend")
        assert page.inner_text("#tracks-born") == str(final["born"])
        assert page.inner_text("#growth-tracks") == str(final["growth"]["tracks"]) and final["growth"]["tracks"] > 0
        assert page.inner_text("#frame-drift") != "-"
        assert errors == []
        browser.close()


def test_a_page_whose_service_does_not_answer_says_so():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from edge.live.viewer.server import ViewerThread

    nowhere = f"tcp://127.0.0.1:{free_port()}"  # a typo'd address: nothing publishes there
    viewer = ViewerThread(nowhere).start()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(viewer.url)
        page.wait_for_function("window.edgeViewer.connection === 'connecting'")
        assert page.inner_text("#connection") == "connecting to the service"
        page.wait_for_function("window.edgeViewer.connection === 'no service'", timeout=10_000)
        assert page.inner_text("#connection") == f"no service at {nowhere}"
        browser.close()
    viewer.stop()
