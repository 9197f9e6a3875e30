"""What the API tests share: a signed-in client, addresses, register lines."""

import datetime as dt

from django.urls import reverse

MONDAY = dt.date(2024, 9, 9)


def as_user(api, user):
    api.force_login(user)
    return api


def url(name, school, **kwargs):
    return reverse(f"api:{name}", kwargs={"school_slug": school.slug, **kwargs})


def register_url(school, group, day=MONDAY, period="AM"):
    return url("register", school, group_id=group.pk, day=day.isoformat(), period=period)


def line(pupil, code, **fields):
    return {"pupil": pupil.pk, "code": code, **fields}


def put(api, path, marks):
    return api.put(path, {"marks": marks}, format="json")
