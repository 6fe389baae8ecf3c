"""The removal request's text (requests.js): every element each law names, and no empty label."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from bot.i18n import Catalogs
from tests.companion.web.conftest import WEB_ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Node 20 runs it)")

_RUNNER = """
const requests = require(process.argv[1]);
const { messages, cases } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const t = (msgid, params) => (messages[msgid] === undefined ? msgid : messages[msgid])
  .replace(/\\{(\\w+)\\}/g, (whole, name) =>
    params && params[name] !== undefined ? String(params[name]) : whole);
process.stdout.write(JSON.stringify(cases.map(([law, values, platform]) => ({
  missing: requests.missing(law, values),
  composed: requests.compose(law, values, t, platform, "2026-12-03"),
  destination: requests.destination(law, platform),
  guide: requests.guide(law, t),
}))));
"""

SITE = {
    "key": "instagram",
    "name": "Instagram",
    "forms": {"intimate": "https://ig.example/ncii", "copyright": "https://ig.example/dmca"},
}
LINKS = (
    "https://site.example/post/1\n  https://site.example/post/2  \n\nhttps://site.example/post/1"
)
FULL = {
    "links": LINKS,
    "what": "a photo in a blue room",
    "more": "An ex posted it.",
    "work": "a selfie from 2024",
    "name": "Sam Doe",
    "email": "sam@mail.example",
    "contact": "sam@mail.example",
    "signature": "Sam Doe",
    "minor": False,
}


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    catalogs = Catalogs.load()
    return {m: catalogs.text("en", m) for m in catalogs.msgids("en") if m.startswith("web.")}


def _run(english: dict[str, str], cases: list[tuple[str, dict[str, Any], Any]]) -> list[Any]:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, "-e", _RUNNER, str(WEB_ROOT / "requests.js")],
        input=json.dumps({"messages": english, "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    results: list[Any] = json.loads(completed.stdout)
    return results


def _one(english: dict[str, str], law: str, values: dict[str, Any], site: Any = SITE) -> Any:
    return _run(english, [(law, values, site)])[0]


def _no_empty_labels(text: str, english: dict[str, str]) -> None:
    """No line is a label whose value was left out ("Name: ", "What it shows: ")."""
    labels = [english[m].split("{")[0] for m in english if english[m].endswith(": {text}")]
    for line in text.splitlines():
        assert line.strip() not in {label.strip() for label in labels}, line
    assert "{" not in text


def _both_links_once(text: str) -> None:
    assert text.count("https://site.example/post/1") == 1
    assert "https://site.example/post/2\n" in text or text.endswith("https://site.example/post/2")


def test_take_it_down_act_request_holds_its_four_elements(english: dict[str, str]) -> None:
    result = _one(english, "tida", FULL)
    text = result["composed"]["text"]
    assert result["missing"] == []
    assert text.startswith(english["web.request.tida.subject"] + "\nTo: Instagram\n")
    assert "47 U.S.C. 223a" in text
    assert "Signature: Sam Doe" in text  # (1) a signature
    assert english["web.request.tida.identify"] in text  # (2) the depiction and where it is
    _both_links_once(text)
    assert "What it shows: a photo in a blue room" in text
    assert english["web.request.tida.good_faith"] in text  # (3) good faith, without consent
    assert "More about it: An ex posted it." in text
    assert "How to contact me: sam@mail.example" in text  # (4) contact information
    assert "48 hours" in text
    assert result["destination"] == {
        "kind": "form",
        "name": "Instagram",
        "url": SITE["forms"]["intimate"],
    }
    assert english["web.request.tida.guide.deadline"] in result["guide"]
    assert any("takeitdown.ftc.gov" in line for line in result["guide"])

    bare = _one(english, "tida", {"links": LINKS, "contact": "x@y.example", "signature": "S"})
    assert bare["missing"] == []
    _no_empty_labels(bare["composed"]["text"], english)
    assert "What it shows" not in bare["composed"]["text"]
    assert _one(english, "tida", {"links": " \n"})["missing"] == ["links", "contact", "signature"]


def test_dsa_notice_holds_urls_explanation_name_email_and_good_faith(
    english: dict[str, str],
) -> None:
    result = _one(english, "dsa", FULL)
    text = result["composed"]["text"]
    assert result["missing"] == []
    assert "Article 16" in text
    assert english["web.request.dsa.urls"] in text  # the exact URLs
    _both_links_once(text)
    assert english["web.request.dsa.explanation"] in text  # a substantiated explanation
    assert "Name: Sam Doe" in text
    assert "Email: sam@mail.example" in text
    assert english["web.request.dsa.good_faith"] in text  # good-faith statement
    assert english["web.request.dsa.minor"] not in text
    assert "Signature" not in text  # the DSA asks for none
    assert _one(english, "dsa", {"links": LINKS})["missing"] == ["name", "email"]

    # Child sexual abuse offences: name and email are not required, and not printed empty.
    minor = _one(english, "dsa", {"links": LINKS, "minor": True})
    assert minor["missing"] == []
    assert english["web.request.dsa.minor"] in minor["composed"]["text"]
    assert "Name:" not in minor["composed"]["text"]
    assert "Email:" not in minor["composed"]["text"]
    _no_empty_labels(minor["composed"]["text"], english)


def test_esafety_report_outline_needs_a_way_to_be_contacted_but_no_name(
    english: dict[str, str],
) -> None:
    result = _one(english, "esafety", FULL)
    text = result["composed"]["text"]
    assert "The site or app: Instagram" in text
    assert english["web.request.links"] in text
    _both_links_once(text)
    assert "How to contact me: sam@mail.example" in text
    assert "Name: Sam Doe" in text
    assert result["destination"] == {"kind": "esafety"}
    guide = " ".join(result["guide"])
    assert "any age" in guide
    assert "24 hours" in guide
    assert "report to the site first" in guide

    bare = _one(english, "esafety", {"links": LINKS, "contact": "x@y.example"}, None)
    assert bare["missing"] == []
    assert "Name:" not in bare["composed"]["text"]
    assert "The site or app" not in bare["composed"]["text"]
    _no_empty_labels(bare["composed"]["text"], english)
    assert _one(english, "esafety", {"links": LINKS})["missing"] == ["contact"]


def test_dmca_notice_holds_the_six_elements_of_512c3(english: dict[str, str]) -> None:
    result = _one(english, "dmca", FULL)
    text = result["composed"]["text"]
    assert result["missing"] == []
    assert "17 U.S.C. 512(c)(3)" in text
    assert "Signature: Sam Doe" in text  # (i)
    assert english["web.request.dmca.work"] in text  # (ii) the copyrighted work
    assert "About my photo or video: a selfie from 2024" in text
    assert english["web.request.dmca.material"] in text  # (iii) the material and where it is
    _both_links_once(text)
    assert "How to contact me: sam@mail.example" in text  # (iv)
    assert english["web.request.dmca.good_faith"] in text  # (v)
    assert "under penalty of perjury" in english["web.request.dmca.accurate"]
    assert english["web.request.dmca.accurate"] in text  # (vi)
    assert result["destination"]["url"] == SITE["forms"]["copyright"]

    bare = _one(english, "dmca", {"links": LINKS, "contact": "c", "signature": "S"}, None)
    assert bare["missing"] == []
    assert "About my photo" not in bare["composed"]["text"]
    _no_empty_labels(bare["composed"]["text"], english)
    assert bare["destination"] == {"kind": "other"}
    assert _one(english, "dmca", {"links": LINKS})["missing"] == ["contact", "signature"]


def test_a_site_without_a_form_for_the_law_is_looked_up_on_the_site(
    english: dict[str, str],
) -> None:
    legal_only = {"key": "x", "name": "X", "forms": {"legal": "https://x.example/legal"}}
    results = _run(english, [("dsa", FULL, legal_only), ("dmca", FULL, legal_only)])
    assert results[0]["destination"]["url"] == "https://x.example/legal"
    assert results[1]["destination"] == {"kind": "other"}
