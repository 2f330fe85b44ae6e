"""Bulk data profiles for benchmarks: `python -m core seed medium|large [--seed N]`.

Unlike the demo seed, rows are not written through the services (a million applications would
take hours); they are generated in Python under the same rules and inserted in bulk:

- seats: accepted + approved ≤ seats, and `project.filled` is exactly that count;
- one application per student and project;
- a student's approved matches never exceed their weekly hours in any ISO week, and pending
  applications that would no longer fit are withdrawn ("no longer fits weekly availability");
- a mentor's open, closed and in-progress projects never exceed their weekly budget;
- statuses agree with dates: undecided applications only on open projects whose deadline is less
  than 14 days past (so nothing is due to expire), completed matches only on projects that ended.

Interest tags follow a Zipf-like popularity. Every generated account shares one bcrypt hash of
the demo password (so `student1`, `mentor1`, `faculty1` log in like the demo accounts), and the demo
accounts are created first and given a realistic share of the activity. The output is
deterministic for a given seed and `today`.
"""

from __future__ import annotations

import enum
import itertools
import random
import time
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import SQLModel

from core.accounts.passwords import hash_password
from core.applications import NO_LONGER_FITS
from core.models import (
    Application,
    AuditEntry,
    MentorExpertise,
    MilestoneBlueprint,
    Notification,
    PersonProfile,
    Project,
    ProjectTag,
    Tag,
    User,
    UserInterest,
)
from core.platform.db import is_sqlite
from core.seed import DEMO_PASSWORD, seed_demo


@dataclass(frozen=True)
class Profile:
    """How many rows of each kind a profile holds."""

    name: str
    students: int
    mentors: int
    projects: int
    applications: int
    sessions: int = 0
    # Rows given to each demo account (applications of demo-student, projects of demo mentors).
    heavy: int = 20
    tags: int = 160
    departments: int = 14


PROFILES: dict[str, Profile] = {
    "medium": Profile("medium", 20_000, 2_000, 10_000, 100_000, sessions=20_000),
    "large": Profile("large", 100_000, 10_000, 100_000, 1_000_000, sessions=200_000),
    # Small fixtures for the statement-count guards: the second has more of everything.
    "guard-small": Profile("guard-small", 40, 8, 40, 150, sessions=20, heavy=3, tags=30),
    "guard-big": Profile("guard-big", 160, 24, 200, 1_200, sessions=200, heavy=14, tags=60),
}

# ------------------------------------------------------------------------------ vocabulary

DEPARTMENTS = (
    "Computer Science",
    "Business",
    "Biology",
    "Economics",
    "Engineering",
    "Psychology",
    "Mathematics",
    "Physics",
    "Chemistry",
    "History",
    "Political Science",
    "Design",
    "Medicine",
    "Law",
    "Philosophy",
    "Music",
)
BASE_TAGS = (  # noqa: SIM905
    "python data-science machine-learning web writing research communication finance "
    "entrepreneurship genomics bioinformatics visualization open-source statistics ux design "
    "policy economics marketing sql javascript react cloud security networking robotics "
    "hardware embedded accessibility education public-health climate energy sustainability "
    "law ethics history journalism podcasting video photography music game-design "
    "mobile ios android devops testing product-management leadership teamwork "
    "public-speaking negotiation consulting accounting investing blockchain nlp "
    "computer-vision deep-learning r excel tableau gis urban-planning architecture "
    "chemistry physics mathematics neuroscience psychology sociology linguistics "
    "translation spanish french mandarin nonprofit fundraising grant-writing "
    "event-planning social-media branding copywriting seo e-commerce supply-chain "
    "operations healthcare biotech drug-discovery materials 3d-printing cad "
    "electronics iot quantum astronomy geology ecology agriculture food-science"
).split()
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Elena",
    "Emre",
    "Fatima",
    "Femi",
    "Grace",
    "Hana",
    "Ivan",
    "Jonas",
    "Kai",
    "Lara",
    "Leo",
    "Lina",
    "Malik",
    "Maria",
    "Mei",
    "Nadia",
    "Noah",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Sara",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Okafor",
    "Smith",
    "Garcia",
    "Chen",
    "Novak",
    "Rossi",
    "Kim",
    "Silva",
    "Haddad",
    "Nguyen",
    "Müller",
    "Dubois",
    "Tanaka",
    "Patel",
    "Kowalski",
    "Jensen",
    "Costa",
    "Mensah",
    "Ivanova",
    "Murphy",
    "Schmidt",
    "Lopez",
    "Yilmaz",
    "Sato",
    "Ahmed",
    "Berg",
    "Fischer",
    "Moreau",
    "Park",
    "Santos",
]
JOBS = [
    "Data engineer",
    "Product manager",
    "Research scientist",
    "Software developer",
    "Policy analyst",
    "Science journalist",
    "Founder",
    "Associate professor",
    "Lab manager",
    "UX designer",
]
BIO_SENTENCES = [
    "I enjoy short projects with a clear goal.",
    "Happy to review code, writing or a business plan.",
    "I meet weekly and answer messages within a day.",
    "Most of my work is with data and the people who use it.",
    "I studied here and like to give back to the program.",
    "Ask me about careers outside academia.",
    "I prefer remote sessions but can meet on campus.",
]
VERBS = (
    "Build",
    "Design",
    "Analyse",
    "Prototype",
    "Research",
    "Write",
    "Automate",
    "Map",
    "Evaluate",
    "Launch",
    "Redesign",
    "Survey",
)
OBJECTS = (
    "a dashboard for {d} alumni",
    "a chatbot for student services",
    "an open dataset on campus energy use",
    "a mobile app for the food bank",
    "the onboarding guide of a start-up",
    "a survey of first-year students",
    "a small recommender for the library",
    "a policy brief on local housing",
    "a grant proposal for a community garden",
    "a pipeline for lab sensor data",
    "an accessibility audit of a public website",
    "the market of a campus venture",
    "a teaching module on {t}",
    "a literature review on {t}",
    "a prototype using {t}",
    "a case study in {d}",
    "a podcast episode on {t}",
    "a reproducible analysis in {t}",
)
STATEMENTS = (
    "I would love to join this project: it matches what I study, I can commit the hours every "
    "week, and I want to learn how this work is done in practice.",
    "This project is exactly the kind of hands-on experience I have been looking for; I have "
    "done related coursework and I am eager to apply it to a real problem.",
    "I am applying because I want to build a portfolio piece with feedback from someone who has "
    "done this professionally, and the schedule fits my semester well.",
    "I took two courses on this topic and enjoyed them a lot; working on a concrete project with "
    "a mentor would help me decide whether to pursue it further.",
    "My goal is to get better at turning an open question into a finished result; the weekly "
    "meetings and milestones described here are what I need.",
)
REASONS = {
    "rejected": "Please finish the prerequisite course first, then apply again.",
    "withdrawn": "My schedule changed this term.",
    "expired": "no decision within 14 days of the deadline",
    "ended_early": "Took a full-time internship.",
}
MODES = ("remote", "remote", "hybrid", "in_person")
SEATS = (1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 10)
STUDENT_HOURS = (2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 6.0, 8.0, 10.0)
MENTOR_HOURS = (0.5, 1.0, 1.0, 1.0, 1.5, 1.5, 2.0, 3.0)
DURATIONS = (2, 3, 4, 4, 5, 6, 6, 8, 8, 10, 12)
STUDENT_AVAILABILITY = (4.0, 6.0, 8.0, 8.0, 8.0, 10.0, 10.0, 12.0, 15.0, 20.0)
MENTOR_BUDGET = (3.0, 4.0, 4.0, 4.0, 5.0, 6.0, 8.0, 10.0)

# Application status mix per project status (weights), before the rules adjust them.
STATUS_MIX: dict[str, dict[str, int]] = {
    "open": {
        "submitted": 45,
        "waitlisted": 8,
        "accepted": 12,
        "approved": 8,
        "declined": 12,
        "withdrawn": 10,
        "rejected": 3,
    },
    "closed": {
        "accepted": 15,
        "approved": 30,
        "declined": 25,
        "withdrawn": 10,
        "rejected": 5,
        "expired": 15,
    },
    "in_progress": {
        "approved": 35,
        "declined": 25,
        "withdrawn": 12,
        "rejected": 5,
        "expired": 18,
        "ended_early": 5,
    },
    "completed": {
        "completed": 35,
        "ended_early": 5,
        "declined": 25,
        "withdrawn": 12,
        "rejected": 5,
        "expired": 18,
    },
    "cancelled": {"expired": 50, "withdrawn": 25, "declined": 20, "rejected": 5},
}
SEAT_HOLDING = {"accepted", "approved"}
# Matches that held a seat once (capped by seats too, but not counted in `filled`).
PAST_SEAT = {"completed", "ended_early"}
PENDING = {"submitted", "waitlisted", "accepted"}
STATUS_CODES = tuple(
    [
        "submitted",
        "accepted",
        "waitlisted",
        "declined",
        "approved",
        "rejected",
        "withdrawn",
        "expired",
        "completed",
        "ended_early",
    ]
)
_CODE = {name: i for i, name in enumerate(STATUS_CODES)}
LIVE_PROJECTS = {"open", "closed", "in_progress"}
_EPOCH = date(2000, 1, 3)  # a Monday: week index = days since // 7
CHUNK = 20_000


def _week(day: date) -> int:
    return (day - _EPOCH).days // 7


def _zipf_cum(count: int, exponent: float = 1.05) -> list[float]:
    """Cumulative weights of a Zipf-like popularity over `count` ranks."""
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


def _fits(load: dict[int, float], first: int, last: int, hours: float, limit: float) -> bool:
    return all(load.get(w, 0.0) + hours <= limit + 1e-9 for w in range(first, last + 1))


def _add(load: dict[int, float], first: int, last: int, hours: float) -> None:
    for w in range(first, last + 1):
        load[w] = load.get(w, 0.0) + hours


# ------------------------------------------------------------------------------ the writer


class _Writer:
    """Bulk inserts through the raw DB-API: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        self.raw: Any = engine.raw_connection()
        driver: Any = self.raw.driver_connection
        self.conn: Any = driver
        self.counts: dict[str, int] = defaultdict(int)
        if self.sqlite:
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA cache_size=-200000")
            self.conn.execute("PRAGMA temp_store=MEMORY")
            self.conn.execute("BEGIN")

    def dt(self, value: datetime) -> Any:
        """A naive-UTC timestamp as SQLAlchemy stores it."""
        return value.isoformat(" ", "microseconds") if self.sqlite else value

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def scalar(self, sql: str) -> Any:
        cursor = self.conn.execute(sql)
        row = cursor.fetchone()
        return row[0] if row else None

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        return list(self.conn.execute(sql, params).fetchall())

    def next_id(self, model: Any) -> int:
        name = model.__table__.name
        return int(self.scalar(f"SELECT COALESCE(MAX(id), 0) FROM {name}")) + 1

    def _fillers(self, model: Any, given: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
        """Columns the caller leaves out, with the model's defaults (computed once)."""
        names, values = [], []
        fields = getattr(model, "model_fields", {})
        for column in model.__table__.columns:
            if column.name in given:
                continue
            value: Any = None
            field = fields.get(column.name)
            if field is not None and field.default_factory is not None:
                value = field.default_factory()
            elif field is not None and field.default is not None and not field.is_required():
                value = field.default
            if isinstance(value, enum.Enum):
                value = value.value
            if isinstance(value, datetime):
                value = self.dt(value.astimezone(UTC).replace(tzinfo=None))
            elif isinstance(value, date):
                value = self.day(value)
            names.append(column.name)
            values.append(value)
        return names, tuple(values)

    def insert(self, model: Any, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert rows (tuples in `columns` order) into a model's table; return how many."""
        table: sa.Table = model.__table__
        extra_names, extra = self._fillers(model, columns)
        names = [*columns, *extra_names]
        column_list = ", ".join(names)
        written = 0
        if self.sqlite:
            sql = f"INSERT INTO {table.name} ({column_list}) VALUES ({', '.join('?' * len(names))})"
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(row + extra if extra else row)
                if len(chunk) >= CHUNK:
                    self.conn.executemany(sql, chunk)
                    written += len(chunk)
                    chunk = []
            if chunk:
                self.conn.executemany(sql, chunk)
                written += len(chunk)
        else:
            sql = f"COPY {table.name} ({column_list}) FROM STDIN"
            with self.conn.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + extra if extra else row)
                    written += 1
        self.counts[table.name] += written
        return written

    def finish(self, analyze: bool = True) -> None:
        if self.sqlite:
            self.conn.execute("COMMIT")
            if analyze:
                self.conn.execute("ANALYZE")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        else:
            with self.conn.cursor() as cursor:
                for table in self.counts:
                    if "id" in SQLModel.metadata.tables[table].columns:
                        cursor.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                        )
            self.conn.commit()
            if analyze:
                # VACUUM as well: after a bulk COPY no page is marked all-visible yet, so every
                # index-only scan (the counts) would still read the table, where a maintained
                # server's autovacuum has long since set the visibility map.
                self.conn.autocommit = True
                self.conn.execute("VACUUM (ANALYZE)")
                self.conn.autocommit = False
        self.raw.close()

    def abort(self) -> None:
        try:
            if self.sqlite:
                self.conn.execute("ROLLBACK")
            else:
                self.conn.rollback()
        finally:
            self.raw.close()


# ------------------------------------------------------------------------------ the generator


@dataclass
class _Person:
    id: int
    hours: float
    department: str
    role: str


@dataclass
class _Project:
    id: int
    owner: int
    department: str
    status: str
    seats: int
    student_hours: float
    mentor_hours: float
    duration: int
    start: date
    end: date
    deadline: date
    created: datetime
    published: datetime | None
    question: bool
    title: str
    filled: int = 0


class _Generator:
    def __init__(self, writer: _Writer, profile: Profile, seed: int, today: date) -> None:
        self.w = writer
        self.p = profile
        self.rng = random.Random(seed)
        # Profiles draw from their own stream: adding them left every other row as it was.
        self.profile_rng = random.Random(f"profiles-{seed}")
        self.today = today
        self.now = datetime.combine(today, datetime.min.time()) + timedelta(hours=9)
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.departments = list(DEPARTMENTS[: max(4, profile.departments)])
        self.dept_cum = _zipf_cum(len(self.departments), 0.8)
        self.student_load: dict[int, dict[int, float]] = defaultdict(dict)
        self.mentor_load: dict[int, dict[int, float]] = defaultdict(dict)

    # -------------------------------------------------------------- helpers
    def pick_department(self) -> str:
        return self.rng.choices(self.departments, cum_weights=self.dept_cum)[0]

    def _expertise(self, rng: random.Random) -> list[int]:
        return list(dict.fromkeys(rng.choices(self.tag_ids, k=rng.randint(2, 5))))

    def pick_tags(self, low: int, high: int) -> list[int]:
        wanted = self.rng.randint(low, high)
        chosen: dict[int, None] = {}
        for _ in range(wanted * 3):
            chosen[self.rng.choices(self.tag_ids, cum_weights=self.tag_cum)[0]] = None
            if len(chosen) >= wanted:
                break
        return list(chosen)

    def ago(self, days_low: float, days_high: float) -> datetime:
        return self.now - timedelta(seconds=self.rng.uniform(days_low, days_high) * 86400)

    # -------------------------------------------------------------- existing rows
    def load_existing(self) -> None:
        """Read the demo accounts and their commitments, so the rules hold for them too."""
        w = self.w
        self.existing = {
            name: _Person(uid, hours, dept or "Computer Science", role)
            for uid, name, role, hours, dept in w.rows(
                "SELECT id, username, role, weekly_hours, department FROM app_user"
            )
        }
        for sid, start, end, hours in w.rows(
            "SELECT a.student_id, p.start_date, p.end_date, p.student_hours FROM application a "
            "JOIN project p ON p.id = a.project_id WHERE a.status = 'approved'"
        ):
            s, e = date.fromisoformat(str(start)), date.fromisoformat(str(end))
            _add(self.student_load[sid], _week(s), _week(e), hours)
        for owner, start, end, hours in w.rows(
            "SELECT owner_id, start_date, end_date, mentor_hours FROM project "
            "WHERE status IN ('open', 'closed', 'in_progress')"
        ):
            s, e = date.fromisoformat(str(start)), date.fromisoformat(str(end))
            _add(self.mentor_load[owner], _week(s), _week(e), hours)

    # -------------------------------------------------------------- tags
    def tags(self) -> None:
        table = Tag
        existing = {name: tid for tid, name in self.w.rows("SELECT id, name FROM tag")}
        names = list(BASE_TAGS)
        for a, b in itertools.product(BASE_TAGS[:20], ("basics", "advanced", "lab", "club")):
            names.append(f"{a}-{b}")
        names = names[: self.p.tags]
        next_id = self.w.next_id(table)
        new = []
        for name in names:
            if name not in existing:
                existing[name] = next_id
                new.append((next_id, name))
                next_id += 1
        self.w.insert(table, ["id", "name"], new)
        # Popularity follows the order of the vocabulary (python first), Zipf-like.
        self.tag_ids = [existing[name] for name in names]
        self.tag_cum = _zipf_cum(len(self.tag_ids))

    # -------------------------------------------------------------- users
    def users(self) -> None:
        p, rng, w = self.p, self.rng, self.w
        table = User
        first_id = w.next_id(table)
        alumni = max(1, round(p.mentors * 0.7))
        faculty = max(1, p.mentors - alumni)
        plan = (
            [("student", f"student{i}") for i in range(1, p.students + 1)]
            + [("alumni", f"mentor{i}") for i in range(1, alumni + 1)]
            + [("faculty", f"faculty{i}") for i in range(1, faculty + 1)]
        )
        self.students: list[_Person] = []
        self.mentors: list[_Person] = []
        self.faculty_by_dept: dict[str, list[int]] = defaultdict(list)
        self.program_wide: list[int] = []
        rows = []
        for offset, (role, username) in enumerate(plan):
            uid = first_id + offset
            department = self.pick_department()
            if role == "faculty" and username == "faculty1":
                department = self.departments[0]
            hours = rng.choice(STUDENT_AVAILABILITY if role == "student" else MENTOR_BUDGET)
            program_wide = role == "faculty" and rng.random() < 0.05 and username != "faculty1"
            person = _Person(uid, hours, department, role)
            if role == "student":
                self.students.append(person)
            else:
                self.mentors.append(person)
            if role == "faculty":
                (self.program_wide if program_wide else self.faculty_by_dept[department]).append(
                    uid
                )
            created = self.ago(30, 900)
            rows.append(
                (
                    uid,
                    username,
                    f"{username}@example.edu",
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    role,
                    self.password_hash,
                    rng.random() > 0.01,
                    department,
                    program_wide,
                    hours,
                    rng.random() < 0.15,
                    f"Applicant {rng.getrandbits(24):06X}",
                    rng.randint(2026, 2030) if role == "student" else rng.randint(1975, 2024),
                    w.dt(created),
                    w.dt(created),
                )
            )
        w.insert(
            table,
            [
                "id",
                "username",
                "email",
                "display_name",
                "role",
                "password_hash",
                "is_active",
                "department",
                "program_wide",
                "weekly_hours",
                "blind_review",
                "pseudonym",
                "graduation_year",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        # Demo faculty approve too; demo students and mentors take a share of the activity.
        for person in self.existing.values():
            if person.role == "faculty":
                self.faculty_by_dept[person.department].append(person.id)
        interests = UserInterest

        def interest_rows() -> Iterator[tuple[int, int]]:
            for person in self.students:
                for tag in self.pick_tags(2, 6):
                    yield (person.id, tag)
            for person in self.mentors:
                for tag in self.pick_tags(1, 3):
                    yield (person.id, tag)

        w.insert(interests, ["user_id", "tag_id"], interest_rows())
        self.mentor_profiles()

    def mentor_profiles(self) -> None:
        """Most mentors write a profile and list expertise; a few hide from the directory."""
        rng, w = self.profile_rng, self.w
        writers = [person for person in self.mentors if rng.random() < 0.8]
        w.insert(
            PersonProfile,
            ["user_id", "headline", "bio", "links", "hidden", "updated_at"],
            (
                (
                    person.id,
                    f"{rng.choice(JOBS)}, {person.department}",
                    " ".join(rng.choice(BIO_SENTENCES) for _ in range(rng.randint(2, 6))),
                    f"https://example.org/people/{person.id}" if rng.random() < 0.5 else "",
                    rng.random() < 0.05,
                    w.dt(self.now - timedelta(days=rng.uniform(0, 300))),
                )
                for person in writers
            ),
        )
        w.insert(
            MentorExpertise,
            ["user_id", "tag_id"],
            ((person.id, tag) for person in writers for tag in self._expertise(rng)),
        )

    # -------------------------------------------------------------- projects
    def _project_dates(self) -> tuple[str, date, int, date]:
        rng, today = self.rng, self.today
        duration = rng.choice(DURATIONS)
        start = today + timedelta(days=rng.randint(-330, 120))
        deadline = start - timedelta(days=rng.randint(3, 21))
        end = start + timedelta(days=7 * duration - 1)
        roll = rng.random()
        if end < today:
            status = "completed" if roll < 0.9 else "cancelled"
        elif start <= today:
            status = "in_progress" if roll < 0.93 else "cancelled"
        elif deadline >= today - timedelta(days=10):
            status = "open" if roll < 0.82 else ("draft" if roll < 0.95 else "cancelled")
        else:
            status = "closed" if roll < 0.9 else "cancelled"
        return status, start, duration, deadline

    def projects(self) -> None:
        p, rng = self.p, self.rng
        first_id = self.w.next_id(Project)
        owners_cum = _zipf_cum(len(self.mentors), 0.4)
        demo_mentors = [
            self.existing[name] for name in ("demo-alumni", "demo-faculty") if name in self.existing
        ]
        plan: list[_Person] = []
        for mentor in demo_mentors:
            plan.extend([mentor] * p.heavy)
        while len(plan) < p.projects:
            plan.append(rng.choices(self.mentors, cum_weights=owners_cum)[0])
        self.project_list: list[_Project] = []
        for offset, owner in enumerate(plan[: p.projects]):
            status, start, duration, deadline = self._project_dates()
            end = start + timedelta(days=7 * duration - 1)
            mentor_hours = rng.choice(MENTOR_HOURS)
            if status in LIVE_PROJECTS:
                load = self.mentor_load[owner.id]
                if _fits(load, _week(start), _week(end), mentor_hours, owner.hours):
                    _add(load, _week(start), _week(end), mentor_hours)
                else:
                    status = "draft" if status == "open" else "cancelled"
            created = datetime.combine(deadline, datetime.min.time()) - timedelta(
                days=rng.randint(14, 60), minutes=rng.randint(0, 1440)
            )
            created = min(created, self.now - timedelta(hours=1))
            published = (
                None
                if status == "draft"
                else min(created + timedelta(days=rng.randint(0, 5)), self.now)
            )
            department = owner.department if owner.role == "faculty" else self.pick_department()
            topic = self.rng.choice(BASE_TAGS[:40])
            title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS).format(d=department, t=topic)}"
            self.project_list.append(
                _Project(
                    id=first_id + offset,
                    owner=owner.id,
                    department=department,
                    status=status,
                    seats=rng.choice(SEATS),
                    student_hours=rng.choice(STUDENT_HOURS),
                    mentor_hours=mentor_hours,
                    duration=duration,
                    start=start,
                    end=end,
                    deadline=deadline,
                    created=created,
                    published=published,
                    question=rng.random() < 0.3,
                    title=title[:120],
                )
            )

    # -------------------------------------------------------------- applications (decisions)
    def _allocation(self) -> list[int]:
        """How many applications each project gets: heavy-tailed, capped, summing to the target."""
        p, rng = self.p, self.rng
        eligible = [i for i, pr in enumerate(self.project_list) if pr.status != "draft"]
        cap = min(200, len(self.students))
        weights = [rng.paretovariate(1.6) for _ in eligible]
        total = sum(weights)
        counts = [0] * len(self.project_list)
        for i, weight in zip(eligible, weights, strict=True):
            counts[i] = min(cap, max(1, round(p.applications * weight / total)))
        diff = p.applications - sum(counts)
        while diff != 0 and eligible:
            i = rng.choice(eligible)
            if diff > 0 and counts[i] < cap:
                counts[i] += 1
                diff -= 1
            elif diff < 0 and counts[i] > 1:
                counts[i] -= 1
                diff += 1
        return counts

    def decide(self) -> None:
        """Choose applicants and statuses for every project under the seat and hour rules."""
        rng = self.rng
        students = self.students
        student_cum = _zipf_cum(len(students), 0.35)
        counts = self._allocation()
        # Demo students apply to a realistic number of projects of every kind.
        extra: dict[int, list[_Person]] = defaultdict(list)
        for name, share in (("demo-student", 1.0), ("demo-student2", 0.5)):
            person = self.existing.get(name)
            if person is None:
                continue
            candidates = [i for i, pr in enumerate(self.project_list) if pr.status != "draft"]
            opens = [i for i in candidates if self.project_list[i].status == "open"]
            wanted = max(1, round(self.p.heavy * share))
            picked = rng.sample(opens, min(len(opens), wanted // 2 + 1))
            picked += rng.sample(candidates, min(len(candidates), wanted - len(picked)))
            for i in dict.fromkeys(picked):
                extra[i].append(person)
        by_index = {s.id: s for s in students}
        for person in self.existing.values():
            by_index[person.id] = person
        self.by_id = by_index
        app_project, app_student, app_status = array("i"), array("i"), array("b")
        for index, project in enumerate(self.project_list):
            n = counts[index]
            chosen: dict[int, None] = {person.id: None for person in extra.get(index, [])}
            attempts = 0
            while len(chosen) < n + len(extra.get(index, [])) and attempts < n * 4:
                chosen[rng.choices(students, cum_weights=student_cum)[0].id] = None
                attempts += 1
            if not chosen:
                continue
            mix = STATUS_MIX.get(project.status)
            if mix is None:
                continue
            names, weights = list(mix), list(mix.values())
            seats_used = 0
            first, last = _week(project.start), _week(project.end)
            for sid in chosen:
                status = rng.choices(names, weights=weights)[0]
                if status in SEAT_HOLDING or status in PAST_SEAT:
                    if seats_used >= project.seats:
                        status = "waitlisted" if project.status == "open" else "declined"
                    elif status == "approved":
                        student = by_index[sid]
                        load = self.student_load[sid]
                        if _fits(load, first, last, project.student_hours, student.hours):
                            _add(load, first, last, project.student_hours)
                        else:
                            status = "declined"
                if status in SEAT_HOLDING or status in PAST_SEAT:
                    seats_used += 1
                app_project.append(index)
                app_student.append(sid)
                app_status.append(_CODE[status])
        # Second pass: pending applications that no longer fit were withdrawn by the system.
        withdrawn = _CODE["withdrawn"]
        self.auto_withdrawn: set[int] = set()
        for k in range(len(app_status)):
            status = STATUS_CODES[app_status[k]]
            project = self.project_list[app_project[k]]
            if status in SEAT_HOLDING:
                project.filled += 1
            if status not in PENDING:
                continue
            sid = app_student[k]
            held = self.student_load.get(sid)
            if held and not _fits(
                held,
                _week(project.start),
                _week(project.end),
                project.student_hours,
                by_index[sid].hours,
            ):
                app_status[k] = withdrawn
                self.auto_withdrawn.add(k)
                if status == "accepted":
                    project.filled -= 1
        self.app_project, self.app_student, self.app_status = app_project, app_student, app_status

    # -------------------------------------------------------------- writing projects
    def write_projects(self) -> None:
        w, rng = self.w, self.rng
        table = Project
        descriptions = [
            "We meet once a week for half an hour; the rest is self-paced with async feedback.",
            "You will get a short reading list, a weekly check-in and one review of your work.",
            "Expect a kickoff call, a mid-point review and a final presentation to the team.",
        ]

        def rows() -> Iterator[tuple[Any, ...]]:
            for pr in self.project_list:
                yield (
                    pr.id,
                    pr.owner,
                    pr.title,
                    f"{pr.title} — a {pr.duration}-week project in {pr.department}."[:280],
                    f"{pr.title}.\n\n{rng.choice(descriptions)}",
                    pr.department,
                    rng.choice(MODES),
                    pr.seats,
                    pr.student_hours,
                    pr.mentor_hours,
                    pr.duration,
                    w.day(pr.start),
                    w.day(pr.end),
                    w.day(pr.deadline),
                    "What would you like to learn from this project?" if pr.question else None,
                    pr.status,
                    pr.filled,
                    w.dt(pr.created),
                    w.dt(pr.published or pr.created),
                    w.dt(pr.published) if pr.published else None,
                )

        w.insert(
            table,
            [
                "id",
                "owner_id",
                "title",
                "summary",
                "description",
                "department",
                "mode",
                "seats",
                "student_hours",
                "mentor_hours",
                "duration_weeks",
                "start_date",
                "end_date",
                "deadline",
                "screening_question",
                "status",
                "filled",
                "created_at",
                "updated_at",
                "published_at",
            ],
            rows(),
        )

        def tag_rows() -> Iterator[tuple[int, int]]:
            for pr in self.project_list:
                for tag in self.pick_tags(1, 5):
                    yield (pr.id, tag)

        w.insert(ProjectTag, ["project_id", "tag_id"], tag_rows())
        milestones = MilestoneBlueprint
        first_id = w.next_id(milestones)
        titles = ("Kick-off plan", "First draft", "Mid-point review", "Final hand-over")

        def milestone_rows() -> Iterator[tuple[Any, ...]]:
            next_id = first_id
            for pr in self.project_list:
                count = min(pr.duration, rng.randint(1, 4))
                for position in range(count):
                    due = max(1, round(pr.duration * (position + 1) / count))
                    yield (next_id, pr.id, position, titles[position], due)
                    next_id += 1

        w.insert(
            milestones, ["id", "project_id", "position", "title", "due_week"], milestone_rows()
        )

    # -------------------------------------------------------------- writing applications
    def write_applications(self) -> None:
        w, rng = self.w, self.rng
        table = Application
        first_id = w.next_id(table)
        self.first_app_id = first_id
        faculty_all = [uid for ids in self.faculty_by_dept.values() for uid in ids]
        approvers = self.program_wide or faculty_all
        self.app_times: list[Any] = []
        times = self.app_times

        def rows() -> Iterator[tuple[Any, ...]]:
            for k in range(len(self.app_status)):
                pr = self.project_list[self.app_project[k]]
                status = STATUS_CODES[self.app_status[k]]
                opened = pr.published or pr.created
                closes = min(datetime.combine(pr.deadline, datetime.min.time()), self.now)
                span = max(60.0, (closes - opened).total_seconds())
                created = opened + timedelta(seconds=rng.uniform(0, span))
                created = min(created, self.now - timedelta(minutes=5))
                if status == "submitted":
                    updated = created
                else:
                    later = max(60.0, (self.now - created).total_seconds())
                    updated = created + timedelta(seconds=rng.uniform(0, min(later, 30 * 86400)))
                accepted_at = approved_at = approved_by = None
                if status in ("accepted", "approved", "completed", "ended_early"):
                    accepted_at = (
                        updated if status == "accepted" else created + (updated - created) / 2
                    )
                if status in ("approved", "completed", "ended_early"):
                    approved_at = updated
                    in_scope = [
                        uid
                        for uid in self.faculty_by_dept.get(pr.department, [])
                        if uid != pr.owner
                    ]
                    approved_by = rng.choice(in_scope or approvers)
                reason = None
                if k in self.auto_withdrawn:
                    reason = NO_LONGER_FITS
                elif status in REASONS:
                    reason = REASONS[status]
                note = (
                    "Full this round, sorry!"
                    if status == "declined" and rng.random() < 0.3
                    else None
                )
                times.append(w.dt(updated))
                yield (
                    first_id + k,
                    pr.id,
                    self.app_student[k],
                    status,
                    rng.choice(STATEMENTS),
                    "I want to learn how this is done in practice." if pr.question else None,
                    note,
                    reason,
                    w.dt(created),
                    w.dt(updated),
                    w.dt(accepted_at) if accepted_at else None,
                    w.dt(approved_at) if approved_at else None,
                    approved_by,
                )

        w.insert(
            table,
            [
                "id",
                "project_id",
                "student_id",
                "status",
                "statement",
                "screening_answer",
                "mentor_note",
                "reason",
                "created_at",
                "updated_at",
                "accepted_at",
                "approved_at",
                "approved_by",
            ],
            rows(),
        )

    def write_trail(self) -> None:
        """One notification and one audit row per application (its latest move)."""
        w, rng = self.w, self.rng
        notifications = Notification
        audit = AuditEntry
        first_note = w.next_id(notifications)
        first_audit = w.next_id(audit)
        recent = self.now - timedelta(days=7)
        recent_text = w.dt(recent)

        def notes() -> Iterator[tuple[Any, ...]]:
            for k, updated in enumerate(self.app_times):
                status = STATUS_CODES[self.app_status[k]]
                pr = self.project_list[self.app_project[k]]
                if status == "submitted":
                    user, kind, text = pr.owner, "submitted", f"A student applied to “{pr.title}”."
                else:
                    user = self.app_student[k]
                    kind = status
                    text = f"Your application to “{pr.title}” is now {status.replace('_', ' ')}."
                unread = updated > recent_text if w.sqlite else updated > recent
                read_at = None if unread and rng.random() < 0.7 else updated
                yield (
                    first_note + k,
                    user,
                    updated,
                    f"application.{kind}",
                    text[:500],
                    None,
                    read_at,
                )

        w.insert(
            notifications,
            ["id", "user_id", "created_at", "kind", "text", "link", "read_at"],
            notes(),
        )

        def audits() -> Iterator[tuple[Any, ...]]:
            for k, updated in enumerate(self.app_times):
                status = STATUS_CODES[self.app_status[k]]
                before = "null" if status == "submitted" else '{"status": "submitted"}'
                yield (
                    first_audit + k,
                    updated,
                    None if status in ("expired",) else self.app_student[k],
                    None if status in ("expired",) else "student",
                    "application.apply" if status == "submitted" else f"application.{status}",
                    "application",
                    self.first_app_id + k,
                    None if before == "null" else before,
                    f'{{"status": "{status}"}}',
                    "ok",
                    None,
                )

        w.insert(
            audit,
            [
                "id",
                "at",
                "actor_id",
                "actor_role",
                "action",
                "entity",
                "entity_id",
                "before",
                "after",
                "outcome",
                "detail",
            ],
            audits(),
        )

    # -------------------------------------------------------------- workspace sessions
    def sessions(self) -> int:
        """Logged sessions on approved and finished matches, when the workspace tables exist."""
        table = _workspace_session_table(self.w.engine)
        if table is None or self.p.sessions <= 0:
            return 0
        matches = [
            k
            for k in range(len(self.app_status))
            if STATUS_CODES[self.app_status[k]] in ("approved", "completed", "ended_early")
            and self.project_list[self.app_project[k]].start <= self.today
        ]
        if not matches:
            return 0
        return _write_sessions(self, table, matches)


def _workspace_session_table(engine: Engine) -> Any:
    """The workspace's session model, if the workspace models exist and are migrated."""
    try:
        import core.workspace.models as workspace
    except ImportError:
        return None
    for model in vars(workspace).values():
        table = getattr(model, "__table__", None)
        if not isinstance(table, sa.Table) or "session" not in table.name:
            continue
        if "minutes" in table.columns and sa.inspect(engine).has_table(table.name):
            return model
    return None


def _write_sessions(gen: _Generator, model: Any, matches: list[int]) -> int:
    """Fill the workspace session table column by column from what its columns mean."""
    w, rng = gen.w, gen.rng
    first_id = w.next_id(model)
    columns = [c.name for c in model.__table__.columns]
    summaries = ("Reviewed the plan", "Pair-worked on the draft", "Went through feedback")
    rows = []
    for n in range(gen.p.sessions):
        k = rng.choice(matches)
        pr = gen.project_list[gen.app_project[k]]
        last = min(pr.end, gen.today)
        day = pr.start + timedelta(days=rng.randint(0, max(0, (last - pr.start).days)))
        logged = datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randint(8, 20))
        student, mentor = gen.app_student[k], pr.owner
        author = rng.choice((student, mentor))
        values: dict[str, Any] = {}
        for name in columns:
            if name == "id":
                values[name] = first_id + n
            elif name in ("application_id", "match_id"):
                values[name] = gen.first_app_id + k
            elif name in ("date", "session_date", "held_on", "day"):
                values[name] = w.day(day)
            elif name == "minutes":
                values[name] = rng.choice((30, 45, 60, 60, 90))
            elif name == "summary":
                values[name] = rng.choice(summaries)
            elif name in ("logged_by", "created_by", "author_id"):
                values[name] = author
            elif name in ("confirmed_by",):
                # A session is confirmed by the party who did not log it.
                values[name] = mentor if author == student else student
            elif name.endswith("_at"):
                values[name] = w.dt(logged) if name in ("created_at", "confirmed_at") else None
        rows.append(tuple(values.values()))
    return w.insert(model, [c for c in columns if c in values], rows)


def _now_ms(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} s"


def generate(
    engine: Engine,
    profile: str | Profile = "medium",
    seed: int = 42,
    *,
    today: date | None = None,
    log: Callable[[str], None] | None = print,
    analyze: bool = True,
) -> dict[str, int]:
    """Generate a profile into a migrated database; return the rows written per table.

    `analyze` refreshes the planner statistics afterwards (ANALYZE; on PostgreSQL with VACUUM,
    which also marks the pages all-visible), as a maintained database would have them.
    """
    chosen = PROFILES[profile] if isinstance(profile, str) else profile
    today = today or date.today()
    say = log or (lambda _message: None)
    started = time.perf_counter()
    seed_demo(engine, today=today)
    writer = _Writer(engine)
    try:
        if writer.scalar("SELECT COUNT(*) FROM app_user WHERE username = 'student1'"):
            raise RuntimeError("This database already holds generated data; use a new one.")
        gen = _Generator(writer, chosen, seed, today)
        steps: list[tuple[str, Callable[[], Any]]] = [
            ("existing", gen.load_existing),
            ("tags", gen.tags),
            ("users", gen.users),
            ("projects (plan)", gen.projects),
            ("applications (decide)", gen.decide),
            ("projects", gen.write_projects),
            ("applications", gen.write_applications),
            ("notifications and audit", gen.write_trail),
            ("sessions", gen.sessions),
        ]
        for label, step in steps:
            step()
            say(f"  {label:<26} done at {_now_ms(started)}")
        writer.finish(analyze)
    except BaseException:
        writer.abort()
        raise
    counts = dict(writer.counts)
    say(f"Profile {chosen.name} (seed {seed}) generated in {_now_ms(started)}:")
    for table, count in counts.items():
        say(f"  {table:<20} {count:>10,}")
    return counts


def verify(engine: Engine, *, today: date | None = None) -> list[str]:
    """Check the domain rules over the whole database; return what is broken (empty when fine).

    `today` is the day the data was generated for (the expiry rule depends on it).
    """
    from core.applications import expire_due_exists
    from core.platform.db import read_session

    problems: list[str] = []
    with engine.connect() as conn:
        bad_filled = conn.execute(
            sa.text(
                "SELECT p.id FROM project p LEFT JOIN application a ON a.project_id = p.id "
                "AND a.status IN ('accepted', 'approved') GROUP BY p.id, p.filled, p.seats "
                "HAVING COUNT(a.id) != p.filled OR p.filled > p.seats"
            )
        ).all()
        if bad_filled:
            problems.append(f"{len(bad_filled)} project(s) with filled ≠ seats taken or > seats")
        duplicates = conn.execute(
            sa.text(
                "SELECT student_id, project_id FROM application WHERE status IN "
                "('submitted', 'waitlisted', 'accepted', 'approved') "
                "GROUP BY student_id, project_id HAVING COUNT(*) > 1"
            )
        ).all()
        if duplicates:
            problems.append(f"{len(duplicates)} duplicate live application(s)")
        loads: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
        limits: dict[tuple[str, int], float] = {}
        for who, uid, limit, start, end, hours in conn.execute(
            sa.text(
                "SELECT 'student', a.student_id, u.weekly_hours, p.start_date, p.end_date, "
                "p.student_hours FROM application a JOIN project p ON p.id = a.project_id "
                "JOIN app_user u ON u.id = a.student_id WHERE a.status = 'approved' "
                "UNION ALL SELECT 'mentor', p.owner_id, u.weekly_hours, p.start_date, "
                "p.end_date, p.mentor_hours FROM project p JOIN app_user u ON u.id = p.owner_id "
                "WHERE p.status IN ('open', 'closed', 'in_progress')"
            )
        ):
            s, e = date.fromisoformat(str(start)), date.fromisoformat(str(end))
            _add(loads[(who, uid)], _week(s), _week(e), hours)
            limits[(who, uid)] = limit
        over: dict[str, int] = defaultdict(int)
        for key, load in loads.items():
            if max(load.values()) > limits[key] + 1e-9:
                over[key[0]] += 1
        for who, count in sorted(over.items()):
            problems.append(f"{count} {who}(s) over their weekly hours")
    with read_session(engine) as session:
        if expire_due_exists(session, today=today):
            problems.append("some applications are due to expire")
    return problems
