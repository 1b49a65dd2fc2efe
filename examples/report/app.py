"""A scheduled report: at 06:00 UTC each weekday, sum up the previous day's sales from
an in-memory data source; ``GET /reports/latest`` reads the last report.

Serve it locally (the schedule can be run by hand) with::

    uv run portafunc serve examples/report/app.py:app
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from pydantic import BaseModel

from portafunc import App, Context, HTTPError, ScheduleEvent


@dataclass(frozen=True)
class Sale:
    """One sale of the data source: what, how many, for how much, when."""

    day: date
    sku: str
    qty: int
    amount_cents: int


class Report(BaseModel):
    """One day's sales, summed up."""

    day: date
    made_at: datetime
    late: bool
    sales: int
    revenue_cents: int
    top_skus: list[str]


#: The data source: the sales, as a database would hold them (append to feed it).
SALES: list[Sale] = []
#: The reports made since the cold start, oldest first.
REPORTS: list[Report] = []

app = App("report")


def summarise(day: date, sales: list[Sale], made_at: datetime, late: bool) -> Report:
    """The report of ``day``: the sales of that day, the three best-selling SKUs first."""
    of_day = [sale for sale in sales if sale.day == day]
    counts: Counter[str] = Counter()
    for sale in of_day:
        counts[sale.sku] += sale.qty
    return Report(
        day=day,
        made_at=made_at,
        late=late,
        sales=len(of_day),
        revenue_cents=sum(sale.amount_cents for sale in of_day),
        top_skus=[sku for sku, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
    )


@app.schedule("0 6 * * MON-FRI")
def daily_report(event: ScheduleEvent, ctx: Context) -> Report:
    """Report on the day before the tick (a Monday reports on Sunday); a tick whose
    time the provider does not say is taken as now."""
    made_at = event.time or datetime.now(timezone.utc)
    day = made_at.date() - timedelta(days=1)
    report = summarise(day, SALES, made_at, event.past_due)
    REPORTS.append(report)
    ctx.logger.info("report of %s: %d sale(s)", day, report.sales)
    return report


@app.get("/reports/latest")
def latest_report() -> Report:
    """The last report made, or 404 before the first tick."""
    if not REPORTS:
        raise HTTPError(404, "no report yet")
    return REPORTS[-1]
