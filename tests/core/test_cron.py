"""portafunc.cron: parsing, normalisation, provider dialects and next_after()."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from portafunc import cron as cron_module
from portafunc.cron import Cron, CronField, parse
from portafunc.errors import DeclarationError, UnsupportedSchedule

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
FIELD_NAMES = ("minute", "hour", "day_of_month", "month", "day_of_week")
LAYOUT = "5-field Unix cron (minute hour day-of-month month day-of-week)"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _with_field(name: str, text: str) -> str:
    """A schedule that is ``*`` everywhere but in field ``name``."""
    return " ".join(text if field == name else "*" for field in FIELD_NAMES)


# -- parsing ---------------------------------------------------------------------------

FULL = {
    "minute": frozenset(range(60)),
    "hour": frozenset(range(24)),
    "day_of_month": frozenset(range(1, 32)),
    "month": frozenset(range(1, 13)),
    "day_of_week": frozenset(range(7)),
}

FIELD_FORMS: list[tuple[str, str, str, set[int]]] = [
    # field, as written, normalised text, values
    ("minute", "7", "7", {7}),
    ("minute", "07", "7", {7}),
    ("minute", "10-15", "10-15", {10, 11, 12, 13, 14, 15}),
    ("minute", "*/15", "*/15", {0, 15, 30, 45}),
    ("minute", "10-30/10", "10-30/10", {10, 20, 30}),
    ("minute", "5/20", "5-59/20", {5, 25, 45}),
    ("minute", "1,5-7,*/30", "1,5-7,*/30", {0, 1, 5, 6, 7, 30}),
    ("minute", "*/90", "*/90", {0}),
    ("minute", "59/5", "59", {59}),
    ("minute", "3-3", "3", {3}),
    ("hour", "0,12", "0,12", {0, 12}),
    ("hour", "9-17/4", "9-17/4", {9, 13, 17}),
    ("day_of_month", "1,15,31", "1,15,31", {1, 15, 31}),
    ("day_of_month", "*/10", "*/10", {1, 11, 21, 31}),
    ("day_of_month", "28-31", "28-31", {28, 29, 30, 31}),
    ("month", "JAN", "1", {1}),
    ("month", "jan-Mar", "1-3", {1, 2, 3}),
    ("month", "FEB,dec", "2,12", {2, 12}),
    ("month", "JAN-DEC/3", "1-12/3", {1, 4, 7, 10}),
    ("month", "jun/4", "6-12/4", {6, 10}),
    ("month", "3-SEP", "3-9", {3, 4, 5, 6, 7, 8, 9}),
    ("day_of_week", "MON-FRI", "1-5", {1, 2, 3, 4, 5}),
    ("day_of_week", "sun", "0", {0}),
    ("day_of_week", "0", "0", {0}),
    ("day_of_week", "7", "0", {0}),
    ("day_of_week", "0,7", "0", {0}),
    ("day_of_week", "SAT,SUN", "6,0", {0, 6}),
    ("day_of_week", "5-7", "0,5,6", {0, 5, 6}),
    ("day_of_week", "FRI-7", "0,5,6", {0, 5, 6}),
    ("day_of_week", "1-7/2", "0,1,3,5", {0, 1, 3, 5}),
    ("day_of_week", "7/3", "0", {0}),
    ("day_of_week", "*/2", "*/2", {0, 2, 4, 6}),
    ("day_of_week", "*/3", "*/3", {0, 3, 6}),
    ("day_of_week", "MON/2", "1-6/2", {1, 3, 5}),
    ("day_of_week", "2-4,THU-SAT/2", "2-4,4-6/2", {2, 3, 4, 6}),
]


@pytest.mark.parametrize(("name", "written", "text", "values"), FIELD_FORMS)
def test_field_forms(name: str, written: str, text: str, values: set[int]) -> None:
    cron = parse(_with_field(name, written))
    field = getattr(cron, name)
    assert field == CronField(text, frozenset(values), restricted=True)
    for other in FIELD_NAMES:
        if other != name:
            assert getattr(cron, other) == CronField("*", FULL[other], restricted=False)


UNRESTRICTED: list[tuple[str, str]] = [
    ("minute", "*"),
    ("minute", "*/1"),
    ("minute", "0-59"),
    ("minute", "0/1"),
    ("minute", "0-29,30-59"),
    ("hour", "0-23"),
    ("day_of_month", "1-31"),
    ("day_of_month", "*/1"),
    ("month", "JAN-DEC"),
    ("month", "1-6,JUL-12"),
    ("day_of_week", "SUN-SAT"),
    ("day_of_week", "0-7"),
    ("day_of_week", "1-7"),
    ("day_of_week", "0-6"),
]


@pytest.mark.parametrize(("name", "written"), UNRESTRICTED)
def test_fields_covering_their_range_are_unrestricted(name: str, written: str) -> None:
    field = getattr(parse(_with_field(name, written)), name)
    assert field == CronField("*", FULL[name], restricted=False)


@pytest.mark.parametrize(
    ("macro", "unix"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@DAILY", "0 0 * * *"),
        ("  @Hourly ", "0 * * * *"),
    ],
)
def test_macros(macro: str, unix: str) -> None:
    cron = parse(macro)
    assert cron.unix() == unix
    assert cron.expression == macro


def test_whitespace_is_any_run_of_blanks() -> None:
    assert parse("  */5\t*  * *\n* ").unix() == "*/5 * * * *"


def test_keeps_the_expression_as_given() -> None:
    cron = parse("0 9 * jan-mar mon-fri")
    assert cron.expression == "0 9 * jan-mar mon-fri"
    assert cron.unix() == "0 9 * 1-3 1-5"
    assert cron.fields == (cron.minute, cron.hour, cron.day_of_month, cron.month, cron.day_of_week)


def test_results_are_frozen_and_slotted() -> None:
    cron = parse("* * * * *")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cron.minute = cron.hour
    with pytest.raises(dataclasses.FrozenInstanceError):
        cron.minute.text = "5"
    assert not hasattr(cron, "__dict__")
    assert not hasattr(cron.minute, "__dict__")
    assert isinstance(cron, Cron)


def test_exports() -> None:
    assert cron_module.__all__ == ["Cron", "CronField", "parse"]


# -- rejections ------------------------------------------------------------------------

REJECTED: list[tuple[str, str]] = [
    ("", "empty schedule; expected " + re.escape(LAYOUT)),
    ("   ", "empty schedule"),
    ("0 0 * * * *", re.escape(f"6 fields given; portafunc schedules are {LAYOUT}")),
    ("0 0 1 * ? 2025", "^6 fields given"),
    ("0 0 * *", "^4 fields given;"),
    ("*", "^1 field given;"),
    ("@reboot", "unknown macro '@reboot'; portafunc supports @yearly, @annually"),
    ("@every 5m", "unknown macro"),
    ("cron(0 9 * * ? *)", "AWS schedule syntax is not accepted"),
    ("rate(5 minutes)", "AWS schedule syntax is not accepted"),
    ("60 * * * *", "^minute field '60': 60 is out of range 0-59$"),
    ("* 24 * * *", "^hour field '24': 24 is out of range 0-23$"),
    ("* * 0 * *", "^day-of-month field '0': 0 is out of range 1-31$"),
    ("* * 32 * *", "^day-of-month field '32': 32 is out of range 1-31$"),
    ("* * * 0 *", "^month field '0': 0 is out of range 1-12$"),
    ("* * * 13 *", "^month field '13': 13 is out of range 1-12$"),
    ("* * * * 8", "^day-of-week field '8': 8 is out of range 0-7$"),
    ("0-60 * * * *", "^minute field '0-60': 60 is out of range 0-59$"),
    ("*/5,61 * * * *", "^minute field '\\*/5,61': 61 is out of range"),
    (
        "0 0 ? * MON",
        r"^day-of-month field '\?': '\?' is AWS/Quartz syntax, not Unix cron; use '\*'",
    ),
    ("0 0 * * ?", r"^day-of-week field '\?': '\?' is AWS/Quartz syntax"),
    ("0 0 L * *", r"^day-of-month field 'L': 'L' \(last day\) is AWS/Quartz syntax"),
    ("0 0 LW * *", r"'L' \(last day\)"),
    ("0 0 * * 5L", r"^day-of-week field '5L': 'L' \(last day\)"),
    ("0 0 15W * *", r"^day-of-month field '15W': 'W' \(nearest weekday\)"),
    ("0 0 * * MON#2", r"^day-of-week field 'MON#2': '#' \(nth weekday of the month\)"),
    ("0 0 * * 1#2", r"'#' \(nth weekday of the month\) is AWS/Quartz syntax"),
    ("0 0 * * 1,5L", r"^day-of-week field '1,5L': 'L' \(last day\) is AWS/Quartz syntax, not"),
    ("*/0 * * * *", "^minute field '\\*/0': step 0 must be at least 1$"),
    ("*/x * * * *", "^minute field '\\*/x': step 'x' is not a whole number$"),
    ("*/ * * * *", "step '' is not a whole number"),
    ("1/2/3 * * * *", "step '2/3' is not a whole number"),
    ("*/-1 * * * *", "step '-1' is not a whole number"),
    ("5-1 * * * *", "^minute field '5-1': range '5-1' is reversed; ranges that wrap around"),
    ("0 0 * * FRI-MON", "range 'FRI-MON' is reversed"),
    ("1-2-3 * * * *", "^minute field '1-2-3': '1-2-3' is not a range a-b$"),
    ("-5 * * * *", "'-5' is not a range a-b"),
    ("5- * * * *", "'5-' is not a range a-b"),
    ("1,,2 * * * *", r"^minute field '1,,2': empty value \(stray ',', '-' or '/'\)$"),
    ("1, * * * *", "empty value"),
    ("/5 * * * *", "empty value"),
    ("abc * * * *", "^minute field 'abc': 'abc' is not a number$"),
    ("1.5 * * * *", "'1.5' is not a number"),
    ("\u0663 * * * *", "is not a number"),
    ("*-5 * * * *", r"'\*' is not a number"),
    ("* JAN * * *", "^hour field 'JAN': 'JAN' is not a number$"),
    ("* * * FOO *", r"^month field 'FOO': 'FOO' is not a number or a month name \(JAN-DEC\)$"),
    ("* * * MON *", r"'MON' is not a number or a month name \(JAN-DEC\)"),
    ("* * * * JUL", r"'JUL' is not a number or a weekday name \(SUN-SAT\)"),
    ("* * * * MONDAY", r"'MONDAY' is not a number or a weekday name"),
    ("0 0 30 2 *", "^day-of-month '30' never occurs in month '2', so the schedule would never"),
    ("0 0 31 FEB *", "day-of-month '31' never occurs in month '2'"),
    ("0 0 30,31 2 *", "day-of-month '30,31' never occurs in month '2'"),
    ("0 0 31 4,6,9,11 *", "day-of-month '31' never occurs in month '4,6,9,11'"),
    ("0 0 31 APR *", "day-of-month '31' never occurs in month '4'"),
]


@pytest.mark.parametrize(("expression", "reason"), REJECTED)
def test_rejections(expression: str, reason: str) -> None:
    with pytest.raises(UnsupportedSchedule) as raised:
        parse(expression)
    assert re.search(reason, raised.value.reason), raised.value.reason
    assert raised.value.cron == expression
    assert raised.value.provider is None
    assert str(raised.value).startswith(f"schedule {expression!r} cannot run: ")


def test_rejection_is_a_declaration_error() -> None:
    with pytest.raises(DeclarationError, match=r"6 fields given"):
        parse("0 0 0 * * *")


@pytest.mark.parametrize(
    "expression",
    ["0 0 29 2 *", "0 0 31 2,3 *", "0 0 30 2 MON", "0 0 31 4 */2", "0 0 30-31 * *"],
)
def test_day_of_month_that_can_occur_is_accepted(expression: str) -> None:
    parse(expression)


# -- provider dialects -----------------------------------------------------------------

DIALECTS: list[tuple[str, str, str, str]] = [
    # expression, unix(), aws(), ncrontab()
    ("*/5 * * * *", "*/5 * * * *", "cron(0/5 * * * ? *)", "0 */5 * * * *"),
    ("0 9 * * 1-5", "0 9 * * 1-5", "cron(0 9 ? * 2-6 *)", "0 0 9 * * 1-5"),
    ("30 6 1 * *", "30 6 1 * *", "cron(30 6 1 * ? *)", "0 30 6 1 * *"),
    ("* * * * *", "* * * * *", "cron(* * * * ? *)", "0 * * * * *"),
    ("0 0 * * 0", "0 0 * * 0", "cron(0 0 ? * 1 *)", "0 0 0 * * 0"),
    ("0 0 * * 7", "0 0 * * 0", "cron(0 0 ? * 1 *)", "0 0 0 * * 0"),
    ("0 0 * * sun", "0 0 * * 0", "cron(0 0 ? * 1 *)", "0 0 0 * * 0"),
    ("0 0 * * SAT", "0 0 * * 6", "cron(0 0 ? * 7 *)", "0 0 0 * * 6"),
    ("0 12 * * sat,sun", "0 12 * * 6,0", "cron(0 12 ? * 1,7 *)", "0 0 12 * * 6,0"),
    ("0 8 * * MON-FRI", "0 8 * * 1-5", "cron(0 8 ? * 2-6 *)", "0 0 8 * * 1-5"),
    ("15 10 * * */2", "15 10 * * */2", "cron(15 10 ? * 1,3,5,7 *)", "0 15 10 * * */2"),
    ("0 8 * * MON-FRI/2", "0 8 * * 1-5/2", "cron(0 8 ? * 2,4,6 *)", "0 0 8 * * 1-5/2"),
    ("0 22 * * 1-7/2", "0 22 * * 0,1,3,5", "cron(0 22 ? * 1,2,4,6 *)", "0 0 22 * * 0,1,3,5"),
    ("0 0 * * 5-7", "0 0 * * 0,5,6", "cron(0 0 ? * 1,6,7 *)", "0 0 0 * * 0,5,6"),
    ("0 0 * * 0-6", "0 0 * * *", "cron(0 0 * * ? *)", "0 0 0 * * *"),
    ("0 0 * 2 MON-WED", "0 0 * 2 1-3", "cron(0 0 ? 2 2-4 *)", "0 0 0 * 2 1-3"),
    ("0 0 1 JAN *", "0 0 1 1 *", "cron(0 0 1 1 ? *)", "0 0 0 1 1 *"),
    ("0 */6 1,15 * *", "0 */6 1,15 * *", "cron(0 0/6 1,15 * ? *)", "0 0 */6 1,15 * *"),
    (
        "5/15 9-17 * JUN-AUG *",
        "5-59/15 9-17 * 6-8 *",
        "cron(5-59/15 9-17 * 6-8 ? *)",
        "0 5-59/15 9-17 * 6-8 *",
    ),
    ("0 0 1-31 * MON", "0 0 * * 1", "cron(0 0 ? * 2 *)", "0 0 0 * * 1"),
    (
        "0 0 L-1 * *".replace("L-1", "25-31"),
        "0 0 25-31 * *",
        "cron(0 0 25-31 * ? *)",
        "0 0 0 25-31 * *",
    ),
    ("@daily", "0 0 * * *", "cron(0 0 * * ? *)", "0 0 0 * * *"),
    ("@hourly", "0 * * * *", "cron(0 * * * ? *)", "0 0 * * * *"),
    ("@weekly", "0 0 * * 0", "cron(0 0 ? * 1 *)", "0 0 0 * * 0"),
    ("@monthly", "0 0 1 * *", "cron(0 0 1 * ? *)", "0 0 0 1 * *"),
    ("@yearly", "0 0 1 1 *", "cron(0 0 1 1 ? *)", "0 0 0 1 1 *"),
]


@pytest.mark.parametrize(("expression", "unix", "aws", "ncrontab"), DIALECTS)
def test_dialects(expression: str, unix: str, aws: str, ncrontab: str) -> None:
    cron = parse(expression)
    assert cron.unix() == unix
    assert cron.aws() == aws
    assert cron.ncrontab() == ncrontab


@pytest.mark.parametrize("expression", [row[0] for row in DIALECTS])
def test_unix_output_parses_to_the_same_schedule(expression: str) -> None:
    cron = parse(expression)
    again = parse(cron.unix())
    assert again.fields == cron.fields
    assert again.unix() == cron.unix()


EITHER_DAY = ["0 0 1 * MON", "0 0 */2 * 1-5", "30 4 1,15 * 5", "0 0 30 2 MON", "0 0 13 * FRI"]


@pytest.mark.parametrize("expression", EITHER_DAY)
def test_either_day_runs_on_gcp_only(expression: str) -> None:
    cron = parse(expression)
    assert cron.unix() == " ".join(f.text for f in cron.fields)

    with pytest.raises(UnsupportedSchedule, match=r"runs on days matching either \(OR\)") as aws:
        cron.aws()
    assert "one day field must be '?'" in aws.value.reason
    assert aws.value.provider == "aws"
    assert aws.value.cron == expression
    assert "two functions" in aws.value.reason

    with pytest.raises(UnsupportedSchedule, match=r"only on days matching both \(AND\)") as azure:
        cron.ncrontab()
    assert azure.value.provider == "azure"
    assert "two functions" in azure.value.reason
    assert str(azure.value).startswith(f"schedule {expression!r} cannot run on azure: ")


def test_either_day_reason_names_both_fields() -> None:
    with pytest.raises(UnsupportedSchedule, match="day-of-month '1' and day-of-week '1'"):
        parse("0 0 1 * mon").aws()


# -- next_after ------------------------------------------------------------------------

NEXT: list[tuple[str, str, str]] = [
    # expression, after (UTC), next run (UTC)
    ("* * * * *", "2025-01-01 00:00", "2025-01-01 00:01"),
    ("* * * * *", "2025-01-01 00:00:30", "2025-01-01 00:01"),
    ("*/5 * * * *", "2025-01-01 00:04:59.999999", "2025-01-01 00:05"),
    ("*/5 * * * *", "2025-01-01 00:05", "2025-01-01 00:10"),
    ("15,45 */6 * * *", "2025-06-30 23:50", "2025-07-01 00:15"),
    ("0 9 * * 1-5", "2025-01-03 09:00", "2025-01-06 09:00"),
    ("0 9 * * 1-5", "2025-01-03 08:59", "2025-01-03 09:00"),
    ("30 6 1 * *", "2025-01-31 12:00", "2025-02-01 06:30"),
    ("0 0 31 * *", "2025-01-31 00:00", "2025-03-31 00:00"),
    ("0 0 31 * *", "2025-03-31 00:00", "2025-05-31 00:00"),
    ("0 0 30 * *", "2025-01-30 00:00", "2025-03-30 00:00"),
    ("0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00"),
    ("0 0 29 2 *", "2024-02-28 23:59", "2024-02-29 00:00"),
    ("0 0 29 2 *", "2096-03-01 00:00", "2104-02-29 00:00"),
    ("0 0 * 2 *", "2024-02-28 00:00", "2024-02-29 00:00"),
    ("0 0 * 2 *", "2025-02-28 00:00", "2026-02-01 00:00"),
    ("0 12 * 2 *", "2025-03-01 00:00", "2026-02-01 12:00"),
    ("59 23 31 12 *", "2025-12-31 23:59", "2026-12-31 23:59"),
    ("0 0 1 1 *", "2024-12-31 23:59:59", "2025-01-01 00:00"),
    ("0 0 * * 7", "2025-01-01 00:00", "2025-01-05 00:00"),
    ("0 0 * * 0", "2025-01-05 00:00", "2025-01-12 00:00"),
    ("0 0 13 * FRI", "2025-01-01 00:00", "2025-01-03 00:00"),
    ("0 0 1 * MON", "2025-01-01 00:00", "2025-01-06 00:00"),
    ("0 0 1 * MON", "2025-01-27 00:00", "2025-02-01 00:00"),
    ("0 0 30 2 MON", "2025-02-01 00:00", "2025-02-03 00:00"),
    ("0 0 13 2 FRI", "2025-02-14 00:00", "2025-02-21 00:00"),
    ("0 0 13 2 FRI", "2025-02-28 00:00", "2026-02-06 00:00"),
    ("0 0 */2 * *", "2025-01-31 00:00", "2025-02-01 00:00"),
    ("0 0 1-31 * MON", "2025-01-01 00:00", "2025-01-06 00:00"),
    ("0 0 31 2,3 *", "2025-01-01 00:00", "2025-03-31 00:00"),
    ("0 0 * * SAT", "2025-12-28 00:00", "2026-01-03 00:00"),
]


@pytest.mark.parametrize(("expression", "after", "expected"), NEXT)
def test_next_after(expression: str, after: str, expected: str) -> None:
    result = parse(expression).next_after(_at(after))
    assert result == _at(expected)
    assert result.tzinfo is UTC


def test_next_after_converts_to_utc() -> None:
    cest = timezone(timedelta(hours=2))
    result = parse("0 0 * * *").next_after(datetime(2025, 1, 1, 1, 30, tzinfo=cest))
    assert result == _at("2025-01-01 00:00")
    assert result.tzinfo is UTC


def test_next_after_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("* * * * *").next_after(datetime(2025, 1, 1))


def test_next_after_at_the_end_of_time() -> None:
    with pytest.raises(ValueError, match=r"does not run after .* before year 10000"):
        parse("0 0 1 1 *").next_after(_at("9999-06-01 00:00"))


def test_next_after_walks_a_chain() -> None:
    cron = parse("0 9 * * MON-FRI")
    runs = [_at("2025-01-01 12:00")]
    for _ in range(6):
        runs.append(cron.next_after(runs[-1]))
    days = [run.strftime("%a %d") for run in runs[1:]]
    assert days == ["Thu 02", "Fri 03", "Mon 06", "Tue 07", "Wed 08", "Thu 09"]


# -- property: next_after against brute force --------------------------------------------

BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


@st.composite
def _items(draw: st.DrawFn, low: int, high: int) -> tuple[str, set[int]]:
    """One list item and the values it stands for (weekday 7 not yet folded into 0)."""
    first = draw(st.integers(low, high))
    last = draw(st.integers(first, high))
    step = draw(st.integers(1, high - low + 1))
    top = 6 if high == 7 else high
    forms = [
        (str(first), {first}),
        (f"{first}-{last}", set(range(first, last + 1))),
        (f"*/{step}", set(range(low, top + 1, step))),
        (f"{first}-{last}/{step}", set(range(first, last + 1, step))),
        (f"{first}/{step}", set(range(first, max(top, first) + 1, step))),
    ]
    return draw(st.sampled_from(forms))


@st.composite
def _fields(draw: st.DrawFn, low: int, high: int) -> tuple[str, frozenset[int]]:
    full = ("*", set(range(low, 7 if high == 7 else high + 1)))
    items = draw(st.one_of(st.just([full]), st.lists(_items(low, high), min_size=1, max_size=3)))
    values = {v % 7 if high == 7 else v for _, item in items for v in item}
    return ",".join(text for text, _ in items), frozenset(values)


@st.composite
def _schedules(draw: st.DrawFn) -> tuple[str, list[frozenset[int]]]:
    fields = [draw(_fields(low, high)) for low, high in BOUNDS]
    return " ".join(text for text, _ in fields), [values for _, values in fields]


def _runs_at(cron: Cron, moment: datetime) -> bool:
    """Unix cron's rule, from the value sets alone."""
    dom, dow = cron.day_of_month.values, cron.day_of_week.values
    by_date, by_weekday = moment.day in dom, moment.isoweekday() % 7 in dow
    day = (by_date or by_weekday) if len(dom) < 31 and len(dow) < 7 else by_date and by_weekday
    return (
        day
        and moment.minute in cron.minute.values
        and moment.hour in cron.hour.values
        and moment.month in cron.month.values
    )


OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-8 * MINUTE * 60)]
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    schedule=_schedules(),
    start=st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=OFFSETS),
)
def test_next_after_matches_brute_force(
    schedule: tuple[str, list[frozenset[int]]], start: datetime
) -> None:
    expression, values = schedule
    try:
        cron = parse(expression)
    except UnsupportedSchedule:
        reject()
    assert [field.values for field in cron.fields] == values
    assert all(field.restricted == (field.text != "*") for field in cron.fields)

    result = cron.next_after(start)
    assert result > start
    assert result.tzinfo is UTC
    assert (result.second, result.microsecond) == (0, 0)
    assert _runs_at(cron, result)
    if result - start <= timedelta(days=3):
        moment = start.astimezone(UTC).replace(second=0, microsecond=0) + MINUTE
        while moment < result:
            assert not _runs_at(cron, moment), moment
            moment += MINUTE
