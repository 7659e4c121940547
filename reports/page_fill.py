"""Size the hand-written part of a report to what is left of its last page.

The fill-in block (``.fill``: labels, a few ruled ``.line``s, the signature line) is laid out once
with its minimum lines and kept in one piece. After layout this adds ruled lines below each group
of lines until the page's bottom margin, and moves what follows (the signature, the footer line)
down: a second layout would cost as much as the first, while copying a few boxes costs nothing.
Laid-out boxes are WeasyPrint's own objects: if they are not shaped as expected, nothing changes.
"""

from __future__ import annotations

from typing import Any


def _has_class(box: Any, name: str) -> bool:
    element = getattr(box, "element", None)
    return element is not None and name in (element.get("class") or "").split()


def _path_to(box: Any, name: str) -> list[Any] | None:
    """The boxes from box down to the first descendant with the class, or None."""
    if _has_class(box, name):
        return [box]
    for child in getattr(box, "children", ()):
        found = _path_to(child, name)
        if found:
            return [box, *found]
    return None


def _bottom(box: Any) -> float:
    return float(box.position_y + box.margin_height())


def _shift_after(parent: Any, index: int, dy: float) -> None:
    """Move parent's children after index down by dy."""
    for child in parent.children[index + 1 :]:
        child.translate(dy=dy)


def fill_last_page(pages: list[Any]) -> int:
    """Extend the ruled lines of the last page's fill-in block to the page's bottom margin.
    ``pages``: the rendered document's pages. Returns the number of lines added."""
    if not pages:
        return 0
    page_box = pages[-1]._page_box
    path = _path_to(page_box, "fill")
    if path is None:
        return 0
    fill = path[-1]
    lines = [i for i, child in enumerate(fill.children) if _has_class(child, "line")]
    if not lines:
        return 0
    limit = page_box.content_box_y() + page_box.height
    body = path[2] if len(path) > 2 else fill
    used = max(_bottom(child) for child in body.children)
    step = fill.children[lines[0]].margin_height()
    extra = int((limit - used) // step) if step > 0 else 0
    if extra <= 0:
        return 0
    groups = _groups(lines)
    for n_add, last in reversed(list(zip(_split(extra, len(groups)), [g[-1] for g in groups], strict=True))):
        _add_lines(fill, last, n_add, step)
    for parent, child in zip(path[-2:0:-1], path[:1:-1], strict=True):  # up to the root, not the page
        _shift_after(parent, parent.children.index(child), extra * step)
        parent.height += extra * step
    return extra


def _groups(indices: list[int]) -> list[list[int]]:
    """Runs of consecutive child indices: each run is one group of ruled lines."""
    out: list[list[int]] = []
    for i in indices:
        if out and out[-1][-1] == i - 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _split(n: int, k: int) -> list[int]:
    """n lines over k groups, the first groups getting one more when n does not divide evenly."""
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _add_lines(fill: Any, last: int, n: int, step: float) -> None:
    """n copies of the line at index last, below it; the children after it move down."""
    if n <= 0:
        return
    _shift_after(fill, last, n * step)
    template = fill.children[last]
    copies = []
    for k in range(1, n + 1):
        copy = template.deepcopy()
        copy.translate(dy=k * step)
        copies.append(copy)
    fill.children = [*fill.children[: last + 1], *copies, *fill.children[last + 1 :]]
    fill.height += n * step
