"""The demo's fixed data: schools, logins, fictional names, absence mixes and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from registers.models import (
    Role,
)

DEMO_PASSWORD = "demo-attendance-2026"
BASE_URL = "http://127.0.0.1:8000"
SEED = 2026
TRUST_SLUG = "blue-sky"
TRUST_NAME = "The Blue Sky Federation"
LA_CODE = "826"  # Milton Keynes
# Pupils who join mid-year arrive with a UPN from elsewhere (here: Buckinghamshire).
OTHER_LA_CODE = "825"
YEAR_GROUPS = ("R", "1", "2", "3", "4", "5", "6")


@dataclass(frozen=True)
class DemoSchool:
    slug: str
    name: str
    urn: str
    estab: str
    district: str
    trees: tuple[str, str]  # two classes per year group: "Ash 3", "Oak 3"
    am: tuple[time, time, time]  # opens, late after, closes
    pm: tuple[time, time, time]


# Policy 4.1: "taken at 08:50 at Heelands and 09:00 at Summerfield and kept open for fifteen
# minutes ... 13:00 at Heelands and 13:30 at Summerfield". URNs and estab numbers are made up.
SCHOOLS = (
    DemoSchool(
        slug="heelands",
        name="Heelands School",
        urn="990826",
        estab="2901",
        district="Heelands",
        trees=("Ash", "Oak"),
        am=(time(8, 50), time(8, 50), time(9, 5)),
        pm=(time(13, 0), time(13, 0), time(13, 15)),
    ),
    DemoSchool(
        slug="summerfield",
        name="Summerfield School",
        urn="990827",
        estab="2902",
        district="Bradwell Common",
        trees=("Birch", "Rowan"),
        am=(time(9, 0), time(9, 0), time(9, 15)),
        pm=(time(13, 30), time(13, 30), time(13, 45)),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    label: str
    first_name: str
    last_name: str
    start: str  # where to begin, relative to BASE_URL
    school: str = ""  # slug of the school the role is held at
    role: str = ""
    group: str = ""  # the class a teacher takes


LOGINS = (
    DemoLogin(
        "teacher", "Class teacher (Ash 3)", "Nia", "Marshall", "/heelands/registers/",
        "heelands", Role.TEACHER, "Ash 3",
    ),
    DemoLogin(
        "office", "Office staff", "Layla", "Hunt", "/heelands/registers/outstanding/",
        "heelands", Role.OFFICE,
    ),
    DemoLogin(
        "attendance.officer", "Attendance officer", "Reuben", "Shaw", "/heelands/",
        "heelands", Role.ATTENDANCE_OFFICER,
    ),
    DemoLogin(
        "attendance.lead", "Attendance lead", "Maya", "Bennett", "/heelands/",
        "heelands", Role.ATTENDANCE_LEAD,
    ),
    DemoLogin(
        "head", "Headteacher", "Samuel", "Knight", "/heelands/", "heelands", Role.HEADTEACHER,
    ),
    DemoLogin(
        "admin.heelands", "School administrator", "Erin", "Webb", "/heelands/",
        "heelands", Role.SCHOOL_ADMIN,
    ),
    DemoLogin(
        "teacher.summerfield", "Class teacher (Birch 2, Summerfield)", "Kofi", "Mensah",
        "/summerfield/registers/", "summerfield", Role.TEACHER, "Birch 2",
    ),
    DemoLogin("trust.lead", "Trust attendance lead", "Amira", "Holmes", "/", role=Role.TRUST_LEAD),
    # The parent's name is the name of the contact the account is linked to.
    DemoLogin("parent", "Parent (three children at Heelands)", "", "", "/family/"),
    DemoLogin("admin", "Django superuser", "Site", "Administrator", "/admin/"),
)  # fmt: skip
PARENT_USERNAME = "parent"
SUPERUSER_USERNAME = "admin"

GIRLS = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Evie", "Ella",
    "Ruby", "Phoebe", "Aria", "Harper", "Matilda", "Maya", "Zara", "Aisha", "Amira", "Hannah",
    "Layla", "Nia", "Chloe", "Jessica", "Priya", "Zainab", "Maryam", "Fatima", "Leah", "Erin",
)  # fmt: skip
BOYS = (
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Alfie", "Jacob", "Thomas", "Finley", "Arlo",
    "Lucas", "Isaac", "Tommy", "Joshua", "Ethan", "Reuben", "Yusuf", "Ibrahim", "Kai", "Rohan",
    "Adam", "Samuel", "Max", "Logan", "Dylan", "Kofi", "Mason", "Elijah", "Jayden", "Ryan",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
    "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper",
    "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan",
    "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett",
    "Young", "Griffiths", "Mitchell", "Kelly", "Khan", "Ali", "Begum", "Hussain", "Ahmed", "Singh",
    "Kaur", "Nowak", "Kowalski", "Okafor", "Mensah", "Adeyemi", "Chen", "Nguyen", "Murphy",
    "O'Brien", "Campbell", "Reid", "Marshall", "Ellis", "Lloyd", "Shaw", "Webb", "Fox",
    "Holmes", "Knight", "Hunt", "Mills", "Rose", "Sharma", "Das",
)  # fmt: skip
# Children often go by a short form of their legal name.
SHORT_NAMES = {
    "Theodore": "Teddy", "Isabella": "Bella", "Samuel": "Sam", "Joshua": "Josh",
    "Matilda": "Tilly", "Florence": "Flo", "Thomas": "Tom", "Jacob": "Jake", "Sophia": "Sophie",
}  # fmt: skip
STREETS = (
    "Larkspur Close", "Wrenfield Drive", "Skylark Rise", "Juniper Way", "Kestrel Court",
    "Meadowsweet Lane", "Hazelbrook Grove", "Foxglove Place", "Otterburn Crescent",
    "Bramblecote Walk", "Thistledown Road", "Willowmere Gardens", "Harebell Mews", "Quillby Lane",
)  # fmt: skip
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# How each kind of pupil is absent: (code, weight). M is a half day; I comes in spells.
ABSENCE_MIX = {
    "usual": (("I", 75), ("M", 12), ("O", 7), ("C", 3), ("R", 3)),
    "persistent": (("I", 50), ("O", 40), ("M", 5), ("C", 5)),
    "severe": (("O", 70), ("I", 30)),
}
ILLNESS_SPELLS = (1, 1, 1, 2, 2, 3)  # school days
PENDING_DAYS = 3  # the most recent school days, where an unexplained absence is still N
ILLNESS_NOTES = (
    "Mum rang: sickness bug",
    "Dad rang: temperature",
    "Mum emailed: headache and sore throat",
    "Grandparent rang: stomach ache",
)
REASONS = (
    ("Doctor's appointment", "M"),
    ("Dental appointment", "M"),
    ("Hospital appointment", "M"),
    ("Religious festival", "R"),
    ("Family funeral", "C"),
)
