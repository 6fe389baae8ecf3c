"""The page's code writer (code.js) writes what the Python companion writes, byte for byte.

code.js is run under Node on many random batches, and its items, contents and parts are
compared with ``FileHashes.item()``, ``codeplan.code_contents``/``code_parts`` and
``hashcode.encode`` on the same results.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from typing import Any

import pytest

from bot.companion.codeplan import code_contents, code_parts
from bot.companion.hasher import Failure, FileHashes, FileKind, Note
from bot.hashes.hashcode import encode, parse
from bot.hashes.items import HashItem, ItemKind
from tests.companion.web.conftest import WEB_ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (Node 20 runs code.js)")

_RUNNER = """
const code = require(process.argv[1]);
const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = cases.map(({results, allFiles}) => {
  const contents = code.codeContents(results, allFiles);
  return {
    items: results.map((result) => code.itemOf(result)),
    encoded: contents.items.length ? code.encode(contents.items) : null,
    copyOf: [...contents.copyOf.entries()],
    leftOut: [...contents.leftOut].sort((a, b) => a - b),
    parts: code.codeParts(contents.items),
  };
});
process.stdout.write(JSON.stringify(out));
"""

_WORKER_KINDS = {FileKind.IMAGE: "image", FileKind.VIDEO: "video", FileKind.OTHER: "other"}


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _result(rng: random.Random, pool: list[FileHashes]) -> FileHashes:
    roll = rng.random()
    if pool and roll < 0.1:
        return rng.choice(pool)  # an exact copy of an earlier file
    if roll < 0.2:
        error = rng.choice([Failure.EMPTY, Failure.DAMAGED, Failure.TRUNCATED, Failure.TOO_LARGE])
        return FileHashes(path="x", kind=FileKind.IMAGE, error=error)
    if roll < 0.3:
        return FileHashes(path="x", kind=FileKind.VIDEO, md5=_hex(rng, 32))
    if roll < 0.4:
        return FileHashes(path="x", kind=FileKind.OTHER, md5=_hex(rng, 32), note=Note.NOT_MEDIA)
    if roll < 0.45:
        return FileHashes(path="x", kind=FileKind.IMAGE, md5=_hex(rng, 32), note=Note.BLANK_PICTURE)
    return FileHashes(
        path="x",
        kind=FileKind.IMAGE,
        md5=_hex(rng, 32),
        pdq=_hex(rng, 64),
        pdq_quality=rng.randrange(101),
        phash=_hex(rng, 16) if rng.random() < 0.8 else None,
        dhash=_hex(rng, 16) if rng.random() < 0.8 else None,
    )


def _worker_result(result: FileHashes) -> dict[str, Any]:
    """The same result as the page's worker reports it (the worker protocol)."""
    return {
        "kind": _WORKER_KINDS[result.kind],
        "md5": result.md5,
        "pdq": result.pdq,
        "quality": result.pdq_quality,
        "phash": result.phash,
        "dhash": result.dhash,
        "note": None,
        "error": None if result.error is None else str(result.error),
        "width": None,
        "height": None,
    }


def _run_node(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert NODE is not None
    completed = subprocess.run(
        [NODE, "-e", _RUNNER, str(WEB_ROOT / "code.js")],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    answer: list[dict[str, Any]] = json.loads(completed.stdout)
    return answer


SIZES = [0, 1, 2, 24, 25, 26, 29, 30, 31, 50, 55, 60, 61, 89, 90, 91, 120]


def test_items_contents_and_parts_match_the_python_companion() -> None:
    rng = random.Random(8)
    batches: list[tuple[list[FileHashes], bool]] = []
    for size in SIZES * 3:
        pool: list[FileHashes] = []
        for _ in range(size):
            pool.append(_result(rng, pool))
        batches.append((pool, rng.random() < 0.3))
    answers = _run_node(
        [{"results": [_worker_result(r) for r in b], "allFiles": a} for b, a in batches]
    )
    assert len(answers) == len(batches)
    for (results, all_files), answer in zip(batches, answers, strict=True):
        expected_items = [r.item() for r in results]
        assert [_item(item) for item in answer["items"]] == expected_items
        assert [_quality(item) for item in answer["items"]] == [
            None if item is None else item.pdq_quality for item in expected_items
        ]
        contents = code_contents(results, all_files=all_files)
        assert sorted((a, b) for a, b in answer["copyOf"]) == sorted(contents.copy_of.items())
        assert answer["leftOut"] == sorted(contents.left_out)
        if contents.items:
            assert answer["encoded"] == encode(contents.items)
        parts = code_parts(contents.items)
        assert [
            (p["case"], p["cases"], p["part"], p["parts"], p["count"], p["text"])
            for p in answer["parts"]
        ] == [(p.case, p.cases, p.part, p.parts, p.count, p.text) for p in parts]


def test_md5_only_and_missing_perceptual_hashes_round_trip_through_the_bot() -> None:
    rng = random.Random(1)
    results = [
        FileHashes(path="a", kind=FileKind.VIDEO, md5=_hex(rng, 32)),
        FileHashes(path="b", kind=FileKind.IMAGE, md5=_hex(rng, 32), pdq=_hex(rng, 64)),
        FileHashes(
            path="c", kind=FileKind.IMAGE, md5=_hex(rng, 32), pdq=_hex(rng, 64), dhash="0" * 16
        ),
    ]
    (answer,) = _run_node([{"results": [_worker_result(r) for r in results], "allFiles": False}])
    assert "-" in answer["encoded"]  # the missing pHash of the third picture
    parsed = parse(answer["encoded"])
    assert parsed.problems == ()
    assert list(parsed.items) == [r.item() for r in results]


def test_a_flat_pdq_is_written_as_an_exact_copy_item_not_refused_by_the_bot() -> None:
    result = {
        **_worker_result(FileHashes(path="a", kind=FileKind.IMAGE, md5="a" * 32)),
        "pdq": "0" * 64,
    }
    (answer,) = _run_node([{"results": [result], "allFiles": False}])
    assert answer["items"] == [{"kind": "file", "hashes": [["md5", "a" * 32]], "quality": None}]
    assert parse(answer["encoded"]).problems == ()


def test_the_pdq_quality_is_written_after_the_pdq_by_both_and_read_back_by_the_bot() -> None:
    rng = random.Random(3)
    qualities = [0, 9, 49, 50, 99, 100]
    results = [
        FileHashes(
            path=str(quality),
            kind=FileKind.IMAGE,
            md5=_hex(rng, 32),
            pdq=_hex(rng, 64),
            pdq_quality=quality,
            phash=_hex(rng, 16),
            dhash=_hex(rng, 16),
        )
        for quality in qualities
    ]
    results.append(FileHashes(path="v", kind=FileKind.VIDEO, md5=_hex(rng, 32)))
    (answer,) = _run_node([{"results": [_worker_result(r) for r in results], "allFiles": False}])
    expected = encode(code_contents(results).items)
    assert answer["encoded"] == expected
    lines = expected.splitlines()
    for quality, result in zip(qualities, results, strict=False):
        assert f"i {result.pdq} q{quality}" in lines
    assert max(len(line) for line in lines) <= 72
    parsed = parse(answer["encoded"])
    assert parsed.problems == ()
    assert [item.pdq_quality for item in parsed.items] == [*qualities, None]
    assert [_quality(item) for item in answer["items"]] == [*qualities, None]


def test_both_refuse_a_quality_outside_0_to_100() -> None:
    rng = random.Random(4)
    picture = FileHashes(
        path="a", kind=FileKind.IMAGE, md5=_hex(rng, 32), pdq=_hex(rng, 64), pdq_quality=101
    )
    with pytest.raises(ValueError, match="0 to 100"):
        encode([item for item in [picture.item()] if item is not None])
    assert NODE is not None
    failed = subprocess.run(
        [NODE, "-e", _RUNNER, str(WEB_ROOT / "code.js")],
        input=json.dumps([{"results": [_worker_result(picture)], "allFiles": False}]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode != 0
    assert "0 to 100" in failed.stderr


def _item(data: dict[str, Any] | None) -> HashItem | None:
    if data is None:
        return None
    return HashItem(
        kind=ItemKind(data["kind"]),
        hashes=tuple((n, v) for n, v in data["hashes"]),
        pdq_quality=data["quality"],
    )


def _quality(data: dict[str, Any] | None) -> int | None:
    return None if data is None else data["quality"]
