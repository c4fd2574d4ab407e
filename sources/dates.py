"""Partial dates: a date known to the day, the month or only the year.

Stored as two columns, a DateField holding the first day of the period and a precision, so
that lists sort and filter on an ordinary date while "2012" stays "2012" and never becomes
"1 January 2012".
"""

import calendar
import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class DatePrecision(models.TextChoices):
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"


PARTIAL_DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(text):
    """Parse "2012", "2012-09" or "2012-09-03" into (first day, precision)."""
    match = PARTIAL_DATE_PATTERN.match(text.strip())
    if not match:
        raise ValidationError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD.")
    year, month, day = match.groups()
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    try:
        return datetime.date(int(year), int(month or 1), int(day or 1)), precision
    except ValueError as error:
        raise ValidationError(f"{text!r} is not a real date: {error}.") from None


def period_start(date, precision):
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    return date


def period_end(date, precision):
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    return date


def format_partial_date(date, precision):
    if date is None:
        return "date unknown"
    if precision == DatePrecision.YEAR:
        return f"{date:%Y}"
    if precision == DatePrecision.MONTH:
        return f"{date:%Y-%m}"
    return date.isoformat()


def partial_date_constraint(date_field, precision_field, name):
    """A date comes with its precision, and a precision with its date."""
    return models.CheckConstraint(
        condition=Q(**{f"{date_field}__isnull": True, precision_field: ""})
        | Q(**{f"{date_field}__isnull": False, f"{precision_field}__in": DatePrecision.values}),
        name=name,
        violation_error_message="A date needs its precision (day, month or year), and a precision needs a date.",
    )


def partial_date_errors(date, precision, date_field, precision_field):
    """Errors for a (date, precision) pair, keyed by field, for Model.clean()."""
    if date is None and precision:
        return {date_field: "Give the date, or clear its precision."}
    if date is not None and not precision:
        return {precision_field: "Say whether the date is known to the day, the month or the year."}
    return {}
