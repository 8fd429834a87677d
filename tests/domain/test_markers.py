"""The comment marker (pure): found by plain string searches, linear in the comment."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.domain.markers import marker, marker_key, without_markers

# What the markers meant before: the regex they were read with, as the reference.
_REFERENCE = re.compile(r"<!--\s*boardwatch:([^>]*?)\s*-->")


@pytest.mark.parametrize(
    ("body", "key", "text"),
    [
        ("<!-- boardwatch:estimate -->\nPlease estimate.", "estimate", "Please estimate."),
        ("<!--boardwatch:reply-12-->hi", "reply-12", "hi"),
        ("no marker", None, "no marker"),
        ("<!-- boardwatch: -->x", None, "x"),
        ("<!-- a comment --> <!-- boardwatch:k --> b", "k", "<!-- a comment -->  b"),
        ("<!-- <!-- boardwatch:k -->", "k", "<!--"),
        ("<!-- boardwatch:a>b -->", None, "<!-- boardwatch:a>b -->"),
        ("<!-- boardwatch:k", None, "<!-- boardwatch:k"),
        ("quoted <!-- boardwatch:one --> and <!-- boardwatch:two -->", "one", "quoted  and"),
    ],
)
def test_markers_are_found_and_stripped(body: str, key: str | None, text: str) -> None:
    assert marker_key(body) == key
    assert without_markers(body) == text


def test_a_written_marker_is_found() -> None:
    assert marker_key(marker("triage") + "\nbody") == "triage"


PIECES = st.sampled_from(["<!--", "-->", " ", "boardwatch:", "k", ">", "\n", "<", "-"])


@given(st.lists(PIECES, max_size=40).map("".join))
def test_the_same_answers_as_the_regex_they_replace(body: str) -> None:
    found = _REFERENCE.search(body)
    assert marker_key(body) == ((found.group(1).strip() or None) if found else None)
    assert without_markers(body) == _REFERENCE.sub("", body).strip()


@pytest.mark.parametrize("filler", [" " * 65_536, "<!--" * 16_384, "<!-- boardwatch:" * 4_000])
def test_worst_case_comments_are_read(filler: str) -> None:
    assert marker_key(filler) is None
    assert without_markers(filler) == filler.strip()
