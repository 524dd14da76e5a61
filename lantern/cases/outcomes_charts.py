"""The program evaluation as a person reads it: table rows with the small-number rule
applied, and bar charts drawn as inline SVG on the server (no script, no third-party code).

Every chart comes with a table of the same figures beside it. A figure that the
small-number rule hides (`evaluation.Tally`) has no bar and reads "fewer than 5".
"""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from lantern.cases.evaluation import MIN_CELL, DomainOutcome, Evaluation, Tally

# Geometry of the charts, in SVG user units (the viewBox scales to the page).
CHAR_WIDTH = 6.6  # about one character of the 12-unit labels
PLOT_WIDTH = 200
VALUE_WIDTH = 95
ROW_HEIGHT = 24
BAR_HEIGHT = 16
TOP = 8
MAX_CHANGE = 4  # a level can move at most 4 steps (1 to 5)


def few_text() -> str:
    return _("fewer than %(n)d") % {"n": MIN_CELL}


def count_text(tally: Tally) -> str:
    shown = tally.shown
    return few_text() if shown is None else number_format(shown)


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{number_format(share * 100, 0)} %"


def tally_text(tally: Tally) -> str:
    """A count and its share, as in "12 (40 %)", or "fewer than 5" when hidden."""
    if tally.shown is None:
        return few_text()
    if tally.share is None:
        return number_format(tally.shown)
    return f"{number_format(tally.shown)} ({share_text(tally.share)})"


def change_text(value: float | None) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ""
    return f"{sign}{number_format(value, 1 if value % 1 else 0)}"


def days_text(value: float | None) -> str:
    return "—" if value is None else number_format(value, 0)


@dataclass(frozen=True)
class DomainRow:
    code: str
    label: str
    assessed: str
    improving: str
    same: str
    worse: str
    median_change: str
    small: bool


def domain_rows(evaluation: Evaluation) -> list[DomainRow]:
    return [
        DomainRow(
            code=d.code,
            label=str(d.label),
            assessed=count_text(d.assessed),
            improving=tally_text(d.improving),
            same=tally_text(d.same),
            worse=tally_text(d.worse),
            median_change=change_text(d.median_change),
            small=d.small,
        )
        for d in evaluation.domains
    ]


@dataclass(frozen=True)
class Bar:
    label: str
    y: float  # top of the row
    x: float  # left of the bar
    width: float  # 0 for no bar
    value: str  # written after the bar (or in place of it)
    value_x: float
    negative: bool = False

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT - 3


def label_width(evaluation: Evaluation) -> int:
    """Room for the longest domain label (in the language of the page) left of the bars."""
    longest = max((len(str(d.label)) for d in evaluation.domains), default=10)
    return min(260, max(100, round(longest * CHAR_WIDTH) + 14))


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    bars: list[Bar]
    axis_x: float  # the zero line
    label_width: int

    @property
    def width(self) -> int:
        return self.label_width + PLOT_WIDTH + VALUE_WIDTH

    @property
    def height(self) -> int:
        return TOP * 2 + ROW_HEIGHT * len(self.bars)

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT

    @property
    def label_x(self) -> int:
        return self.label_width - 8


def improving_chart(evaluation: Evaluation) -> Chart:
    """Share of cases improving, per domain: one bar from 0 to 100 %."""
    left = label_width(evaluation)
    bars = []
    for index, domain in enumerate(evaluation.domains):
        share = domain.improving.share
        width = round(share * PLOT_WIDTH, 1) if share is not None else 0.0
        bars.append(
            Bar(
                label=str(domain.label),
                y=TOP + index * ROW_HEIGHT,
                x=left,
                width=width,
                value=share_text(share) if share is not None else few_text(),
                value_x=left + width + 6,
            )
        )
    return Chart("improving", _("Share of cases improving"), bars, axis_x=left, label_width=left)


def _change_bar(index: int, domain: DomainOutcome, left: int) -> Bar:
    centre = left + PLOT_WIDTH / 2
    median = domain.median_change
    y = TOP + index * ROW_HEIGHT
    if median is None:
        return Bar(str(domain.label), y, centre, 0.0, few_text(), centre + 6)
    length = round(abs(median) / MAX_CHANGE * PLOT_WIDTH / 2, 1)
    if median < 0:
        return Bar(
            str(domain.label), y, centre - length, length, change_text(median), centre + 6, True
        )
    return Bar(str(domain.label), y, centre, length, change_text(median), centre + length + 6)


def change_chart(evaluation: Evaluation) -> Chart:
    """Median change in levels, per domain: bars left (worse) or right (better) of zero."""
    left = label_width(evaluation)
    bars = [_change_bar(i, domain, left) for i, domain in enumerate(evaluation.domains)]
    return Chart(
        "change",
        _("Median change, in levels"),
        bars,
        axis_x=left + PLOT_WIDTH / 2,
        label_width=left,
    )


def evaluation_context(evaluation: Evaluation) -> dict[str, Any]:
    """What the evaluation page shows of `evaluation`."""
    return {
        "evaluation": evaluation,
        "cases_text": count_text(evaluation.cases),
        "median_days_text": days_text(evaluation.median_days),
        "rows": domain_rows(evaluation),
        "charts": [improving_chart(evaluation), change_chart(evaluation)],
        "min_cell": MIN_CELL,
    }
