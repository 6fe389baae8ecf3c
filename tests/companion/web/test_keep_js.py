"""Keeping unsent parts (keep.js) under Node: where they go, what is read back, what is not."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.companion.web.conftest import WEB_ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Node 20 runs keep.js)")

_RUNNER = r"""
const keep = require(process.argv[1]);
const HOUR = 3600 * 1000;
const NOW = 1_800_000_000_000;
const part = (n, text) => ({ case: 1, cases: 1, part: n, parts: 3, count: 9, text });
const code = "#reclaim1 1\ni " + "1".repeat(64) + "\n#end 00000000";
const kept = keep.encodeKept([part(2, code), part(3, code + " ")], NOW);
const memory = () => {
  const items = new Map();
  return {
    setItem: (k, v) => items.set(k, String(v)),
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    removeItem: (k) => items.delete(k),
    items,
  };
};
const device = { setItem() {}, getItem() {}, removeItem() {} };
const webApp = (version) => ({ version, DeviceStorage: device,
  isVersionAtLeast: (v) => Number(version) >= Number(v) });
const refusing = { setItem() { throw new Error("QuotaExceededError"); } };
const stored = memory();
stored.setItem(keep.KEY, kept);
const out = {
  fields: Object.keys(JSON.parse(kept).parts[0]).sort(),
  fresh: keep.decodeKept(kept, NOW + HOUR).map((p) => p.part),
  stale: keep.decodeKept(kept, NOW + HOUR + 1),
  ahead: keep.decodeKept(kept, NOW - HOUR),
  broken: [null, "", "{", "[]", JSON.stringify({ v: 2, kept: NOW, parts: [] }),
    keep.encodeKept([{ ...part(2, code), text: "not a code" }], NOW),
    keep.encodeKept([{ ...part(4, code) }], NOW).replace('"parts":3', '"parts":2'),
    keep.encodeKept([], NOW)].map((v) => keep.decodeKept(v, NOW)),
  twice: keep.withoutPart(keep.withoutPart([part(1, "a"), part(2, "b")], "a"), "a")
    .map((p) => p.text),
  choose: [
    keep.chooseStore(webApp("9.0"), () => memory()).kind,
    keep.chooseStore(webApp("8.0"), () => memory()).kind,
    keep.chooseStore(null, () => memory()).kind,
    keep.chooseStore(webApp("8.0"), () => { throw new Error("SecurityError"); }),
    keep.chooseStore(webApp("8.0"), () => refusing),
    keep.chooseStore(webApp("8.0"), () => null),
  ],
  probeKeepsWhatIsThere: (keep.localStore(() => stored), stored.getItem(keep.KEY) === kept),
};
const store = keep.localStore(() => stored);
keep.keeper(store, () => NOW + 2 * HOUR).load().then((parts) => {
  out.expiredLoad = parts;
  out.expiredRemoved = stored.getItem(keep.KEY);
  process.stdout.write(JSON.stringify(out));
});
"""


def _run() -> dict[str, Any]:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, "-e", _RUNNER, str(WEB_ROOT / "keep.js")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_only_the_code_text_and_numbers_are_kept_for_an_hour() -> None:
    out = _run()
    assert out["fields"] == ["case", "cases", "part", "parts", "text"]  # no count, no names
    assert out["fresh"] == [2, 3]
    assert out["stale"] is None
    assert out["ahead"] is None  # kept "in the future": a clock moved back, not trusted
    assert out["broken"] == [None] * 8
    assert out["twice"] == ["b"]
    assert out["expiredLoad"] == []
    assert out["expiredRemoved"] is None


def test_device_storage_from_9_0_else_local_storage_else_nowhere() -> None:
    out = _run()
    assert out["choose"] == ["device", "local", "local", None, None, None]
    assert out["probeKeepsWhatIsThere"] is True
