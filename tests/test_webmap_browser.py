"""map.html in a real headless Chromium with the network off.

Host names resolve to nothing and the proxy is a closed local port, so nothing can leave
the machine. To see whether the page even tries, a copy of it gets a Content Security
Policy that allows inline code and data: URIs only, and a first script that notes every
script error, failed load and policy violation on the <html> element, which
``--dump-dom`` then shows. A screenshot is kept in test-artifacts/ (git-ignored).
"""

import json
import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser

import pytest

from siting.output import write_outputs
from siting.output.webmap import RANK_CLASS, map_html
from siting.run import optimise
from siting.scenario import load_scenario
from tests.conftest import ROOT, TINY

ARTIFACTS = ROOT / "test-artifacts"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CATCHER = (
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    'font-src data:">'
    "<script>(function(){var root=document.documentElement;"
    "function note(text){root.setAttribute('data-errors',"
    "(root.getAttribute('data-errors')||'')+text+' | ');}"
    "window.addEventListener('error',function(e){note(e.message||('failed to load '+"
    "(e.target&&(e.target.src||e.target.href))));},true);"
    "document.addEventListener('securitypolicyviolation',function(e){"
    "note('blocked request for '+e.blockedURI);});"
    "window.addEventListener('unhandledrejection',function(e){note(String(e.reason));});"
    "window.addEventListener('load',function(){root.setAttribute('data-loaded','yes');"
    "});})();</script>"
)


@pytest.fixture(scope="module")
def browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = (
        "no Chromium on this machine (apt-get install chromium); "
        "the map's browser test needs it"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI must run it (.ci/run installs it)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """map.html of the tiny run (3 sites), with the error catcher put first."""
    result = optimise(load_scenario(data__dir=str(TINY), selection__sites=3))
    out = tmp_path_factory.mktemp("map") / "out"
    write_outputs(result, out)
    text = (out / "map.html").read_text(encoding="utf-8")
    head = text.index("<head>") + len("<head>")
    probe = out.parent / "probe.html"
    probe.write_text(text[:head] + CATCHER + text[head:], encoding="utf-8")
    return result, probe


def test_map_runs_offline_without_errors(browser, page, tmp_path):
    result, probe = page
    dom = _chromium(browser, tmp_path, "--dump-dom", probe.as_uri())
    found = _Elements()
    found.feed(dom)
    assert found.root.get("data-loaded") == "yes", "the page's load event never ran"
    assert found.root.get("data-errors") is None, found.root["data-errors"]
    assert found.classes[RANK_CLASS] == len(result.selection) == 3
    assert found.ranks == ["1", "2", "3"]
    # SVG paths: a country outline each, a circle per candidate and per hub; the
    # hub-to-site lines only once their layer is ticked
    outlines = json.loads((TINY / "countries.geojson").read_text())["features"]
    assert found.paths == len(outlines) + len(result.sites) + len(result.hubs)
    assert found.classes["leaflet-popup"] == 0
    assert found.classes["siting-legend"] == 1


def test_online_tiles_stay_off_until_ticked(browser, page, tmp_path):
    result, probe = page
    text = map_html(result, online_tiles=True)
    head = text.index("<head>") + len("<head>")
    probe = tmp_path / "tiles.html"
    probe.write_text(text[:head] + CATCHER + text[head:], encoding="utf-8")
    found = _Elements()
    found.feed(_chromium(browser, tmp_path, "--dump-dom", probe.as_uri()))
    assert found.root.get("data-loaded") == "yes"
    assert found.root.get("data-errors") is None, found.root["data-errors"]
    assert found.classes["leaflet-tile"] == 0


def test_screenshot_is_kept(browser, page, tmp_path):
    _result, probe = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "map.png"
    shot.unlink(missing_ok=True)
    _chromium(
        browser, tmp_path, f"--screenshot={shot}", "--window-size=1200,900",
        probe.as_uri(),
    )  # fmt: skip
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (900, 1200)
    colours = {tuple(p) for p in pixels[::20, ::20].reshape(-1, pixels.shape[2])}
    assert len(colours) > 10, "the screenshot is (nearly) blank"


def test_probe_sees_requests_and_errors(browser, tmp_path):
    """The probe itself works: a remote image and a failing script are both noted."""
    probe = tmp_path / "bad.html"
    probe.write_text(
        f"<html><head>{CATCHER}</head><body><img src='https://example.org/a.png'>"
        "<script>undefinedFunction();</script></body></html>"
    )
    found = _Elements()
    found.feed(_chromium(browser, tmp_path, "--dump-dom", probe.as_uri()))
    errors = found.root.get("data-errors") or ""
    assert "blocked request for https://example.org/a.png" in errors
    assert "undefinedFunction is not defined" in errors


def _chromium(browser, profile, *arguments):
    completed = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            f"--user-data-dir={profile / 'profile'}",
            "--proxy-server=http://127.0.0.1:1",
            "--proxy-bypass-list=<-loopback>",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=10000",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


class _Elements(HTMLParser):
    """Counts of class names and of Leaflet's SVG paths in a DOM dump, and the rank
    labels."""

    def __init__(self):
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.classes: Counter[str] = Counter()
        self.paths = 0
        self.ranks: list[str] = []
        self._in_rank = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.root = attributes
        names = (attributes.get("class") or "").split()
        if tag == "path" and "leaflet-interactive" in names:
            self.paths += 1
        self.classes.update(names)
        self._in_rank = RANK_CLASS in names

    def handle_data(self, data):
        if self._in_rank and data.strip():
            self.ranks.append(data.strip())
            self._in_rank = False
