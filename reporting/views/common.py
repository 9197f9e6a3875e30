from urllib.parse import urlencode

from registers import metrics, selectors

from ..selectors.periods import CHOICES, period_from_query


def period_context(request, school):
    """The period the query string asks for, and the form's context."""
    calendar = metrics.SchoolCalendar(school)
    today = selectors.local_today(school)
    period = period_from_query(request.GET, calendar=calendar, today=today, before_today=True)
    return period, {
        "period": period,
        "period_choices": CHOICES,
        "period_query": urlencode(period.query()),
        "today": today,
    }
