"""Field coverage (``dccrawl/quality.py``): what is counted, and when a field falls short."""

from __future__ import annotations

import pytest

from dccrawl.quality import DEFAULT_THRESHOLDS, Coverage, parse_thresholds

LIVE = {
    "title": "제목",
    "created_at": "2026-12-07T00:00:00+09:00",
    "writer_nick": "ㅇㅇ",
    "writer_uid": None,
    "writer_ip": "1.2",
    "views": 3,
    "is_deleted": False,
}


def test_a_complete_stream_has_no_finding() -> None:
    coverage = Coverage()
    for _ in range(5):
        coverage.add("post", LIVE, "u")
    assert coverage.findings() == []
    assert coverage.report()["post.created_at"] == 1.0


def test_a_missing_field_is_found_with_its_share_and_a_page() -> None:
    coverage = Coverage()
    coverage.add("post", LIVE, "http://a")
    coverage.add("post", {**LIVE, "writer_nick": None}, "http://b")
    (finding,) = coverage.findings()
    assert (finding.kind, finding.field, finding.carried, finding.checked) == (
        "post",
        "writer_nick",
        1,
        2,
    )
    assert finding.example_url == "http://b"
    assert "post field writer_nick is in 50% of 2 posts" in finding.line()


def test_deleted_posts_are_not_checked() -> None:
    coverage = Coverage()
    coverage.add("post", {"is_deleted": True}, "u")
    assert coverage.checked == {} and coverage.findings() == []


@pytest.mark.parametrize(
    ("uid", "ip", "writer_class", "present"),
    [("u1", None, "fixed", True), (None, "1.2", "floating", True),
     (None, None, "operator", True), (None, None, "fixed", False)],
)  # fmt: skip
def test_a_writer_is_a_uid_or_an_ip_but_for_the_operator(
    uid: str | None, ip: str | None, writer_class: str, present: bool
) -> None:
    coverage = Coverage()
    item = {**LIVE, "writer_uid": uid, "writer_ip": ip, "writer_class": writer_class}
    coverage.add("post", item, "u")
    assert coverage.carried.get("post.writer", 0) == int(present)


def test_a_minimum_leaves_small_samples_alone() -> None:
    coverage = Coverage()
    coverage.add("post", {**LIVE, "views": None}, "u")
    assert coverage.findings(minimum=2) == []
    assert [f.field for f in coverage.findings(minimum=1)] == ["views"]


def test_thresholds_come_over_the_defaults_and_zero_turns_one_off() -> None:
    assert parse_thresholds(None) == DEFAULT_THRESHOLDS
    assert parse_thresholds('{"post.views": 0.9}')["post.views"] == 0.9
    assert "post.views" not in parse_thresholds({"post.views": 0})


@pytest.mark.parametrize("bad", ['{"views": 1}', '{"post.views": 2}', '{"page.x": 1}'])
def test_bad_thresholds_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="DCCRAWL_COVERAGE"):
        parse_thresholds(bad)
