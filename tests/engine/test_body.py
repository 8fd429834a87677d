import pytest

from service.engine import body

FORM = """### Copy

Hello world

### Channels

_No response_

### Publish date
2026-12-01

```
### Link
not a heading: inside code
```
"""


@pytest.mark.parametrize(
    ("text", "name", "filled"),
    [
        (FORM, "Copy", True),
        (FORM, "copy", True),  # case-insensitive
        (FORM, "Channels", False),  # issue forms write _No response_ for empty fields
        (FORM, "Publish date", True),
        (FORM, "Link", False),  # headings inside code blocks do not count
        ("# Link\nhttps://x", "Link", True),
        ("###### Link ###\nhttps://x", "Link", True),
        ("## Link\n\n## Next\ntext", "Link", False),  # heading with nothing under it
        ("## Plan\n### Detail\ntext", "Plan", True),  # sub-sections belong to the section
        ("####### Link\nx", "Link", False),  # seven hashes is not a heading
        ("", "Copy", False),
    ],
)
def test_section_filled(text: str, name: str, filled: bool) -> None:
    assert body.section_filled(text, name) is filled


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("Blocked by: legal review", "Blocked by", "legal review"),
        ("**Blocked by:** legal", "blocked by", "legal"),
        ("- Blocked by: vendor", "Blocked by", "vendor"),
        ("Blocked by:", "Blocked by", None),  # a key without a value says nothing
        ("```\nBlocked by: x\n```", "Blocked by", None),
        ("Not blocked", "Blocked by", None),
    ],
)
def test_line_value(text: str, key: str, value: str | None) -> None:
    assert body.line_value(text, key) == value


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("- [ ] a\n- [x] b\n* [X] c\n1. [ ] d", (2, 2)),
        ("no tasks", (0, 0)),
        ("```\n- [ ] in code\n```", (0, 0)),
    ],
)
def test_tasks(text: str, counts: tuple[int, int]) -> None:
    assert body.tasks(text) == counts


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Estimate: 3h", 3.0),
        ("estimate: 30m", 0.5),
        ("Estimate: 2d", 16.0),
        ("Estimate: 4", 4.0),
        ("### Estimate\n\n1.5h\n", 1.5),
        ("### Estimate\n\n_No response_", None),
        ("Estimate: soon", None),
        ("", None),
    ],
)
def test_body_estimate(text: str, hours: float | None) -> None:
    assert body.body_estimate(text) == hours
