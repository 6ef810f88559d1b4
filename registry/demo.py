"""Demo data: the four Tanzanian border posts, accounts for each role, and about fifty people
whose cases were moved along the workflow (through its service, so every rule held)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import Case, CaseEvent, CaseNote, FollowUp, User
from registry.services import accounts, registration, workflow
from registry.services.registration import DocumentData, RegistrationData

PASSWORD = "border-demo-2026"

BORDER_POINTS = [
    ("MNY", "Manyovu", "Kigoma"),
    ("KBG", "Kabanga", "Kagera"),
    ("RSM", "Rusumo", "Kagera"),
    ("MTK", "Mutukula", "Kagera"),
]

ACCOUNTS = [
    ("officer.mny", "officer", ["MNY"], False, "Neema Mushi"),
    ("officer2.mny", "officer", ["MNY"], False, "Amani Kibwana"),
    ("officer.kbg", "officer", ["KBG"], False, "Baraka Mollel"),
    ("officer.rsm", "officer", ["RSM"], False, "Rehema Nyerere"),
    ("officer.mtk", "officer", ["MTK"], False, "Juma Kombo"),
    ("supervisor", "supervisor", [], True, "Grace Lyimo"),
    ("supervisor.kagera", "supervisor", ["KBG", "RSM", "MTK"], False, "Daudi Massawe"),
    ("admin", "admin", [], False, "System Administrator"),
]

# Untranslated (N_): `flask registry demo` prints them in the operator's language.
ACCOUNTS_SUMMARY = [
    ("officer.mny", N_("field officer, Manyovu (MNY)")),
    ("officer2.mny", N_("field officer, Manyovu (MNY)")),
    ("officer.kbg", N_("field officer, Kabanga (KBG)")),
    ("officer.rsm", N_("field officer, Rusumo (RSM)")),
    ("officer.mtk", N_("field officer, Mutukula (MTK)")),
    ("supervisor", N_("national supervisor, every border point")),
    ("supervisor.kagera", N_("regional supervisor, KBG, RSM and MTK")),
    ("admin", N_("administrator (accounts and border points, no people's data)")),
]

GIVEN_FEMALE = ["Aline", "Claudine", "Divine", "Esperance", "Francine", "Jeanine", "Nadine",
                "Ange", "Amina", "Fatuma", "Mwajuma", "Chantal", "Odette", "Sifa", "Neema"]  # fmt: skip
GIVEN_MALE = ["Jean-Pierre", "Emmanuel", "Eric", "Didier", "Thierry", "Olivier", "Patrick",
              "Innocent", "Mohamed", "Juma", "Hassan", "Josué", "Félix", "Gaspard", "Désiré"]  # fmt: skip
FAMILY = ["Ndayishimiye", "Niyonzima", "Nshimirimana", "Hakizimana", "Irakoze", "Ndikumana",
          "Bizimana", "Nkurunziza", "Kabila", "Mukamana", "Uwimana", "Habimana", "Mugisha",
          "Ntakirutimana", "Manirakiza", "Nduwimana", "Kaboré", "Mbuyi", "Ilunga", "Tshibanda"]  # fmt: skip
NATIONALITIES = ["BDI"] * 6 + ["COD"] * 3 + ["RWA", "UGA", "SOM", "ETH", "XXX"]
VULNERABILITIES = ["unaccompanied_child", "single_parent", "disability", "pregnant_or_lactating",
                   "serious_medical_condition", "elderly_at_risk"]  # fmt: skip


def load(people: int = 50, seed: int = 2026) -> bool:
    """Create what is missing; return False when the demo data was already there."""
    if db.session.scalar(select(User.id).where(User.username == "officer.mny")) is not None:
        return False
    for code, name, region in BORDER_POINTS:
        accounts.add_border_point(code, name, "TZA", region)
    users = {}
    for username, role, points, all_points, full_name in ACCOUNTS:
        users[username] = accounts.create_user(username, PASSWORD, role, points,
                                               all_border_points=all_points, full_name=full_name)  # fmt: skip
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = now.date()
    _Story.overdue_left = 2
    for index in range(people):
        code = BORDER_POINTS[index % len(BORDER_POINTS)][0]
        officer = users[f"officer.{code.lower()}"]
        # Spread registrations over the last two months, oldest first.
        moment = now - timedelta(days=(people - index) * 60 / people, hours=rng.randint(0, 8))
        case = registration.register(officer, _person(rng, code, moment.date()), today=today,
                                     timezone="Africa/Dar_es_Salaam", ip_address=None)  # fmt: skip
        case.registered_at = moment
        case.status_changed_at = moment
        case.events[0].at = moment
        case.events[0].case_version = 1
        db.session.flush()
        _Story(case, officer, users, moment, now).tell(STORIES[index % len(STORIES)])
    _supervisors_at_work(users)
    db.session.flush()
    return True


def _supervisors_at_work(users: dict[str, User]) -> None:
    """Reassignments, a transfer, a confidential note: what supervisors do beside the moves."""
    national, kagera = users["supervisor"], users["supervisor.kagera"]
    manyovu = db.session.scalars(select(Case).where(Case.case_number.like("MNY-%"),
                                                    Case.status != "closed")
                                 .order_by(Case.id)).all()  # fmt: skip
    for case in manyovu[::3]:
        workflow.assign(national, case.case_number, case.version, "officer2.mny")
    kabanga = db.session.scalars(select(Case).where(Case.case_number.like("KBG-%"),
                                                    Case.status == "registered")
                                 .order_by(Case.id)).first()  # fmt: skip
    if kabanga is not None:
        workflow.transfer(kagera, kabanga.case_number, kabanga.version, "RSM",
                          "The family was moved to the Rusumo reception centre")  # fmt: skip
    if manyovu:
        db.session.add(CaseNote(case_id=manyovu[0].id, author_id=national.id, confidential=True,
                                text="Disclosed violence at home; do not contact the husband."))  # fmt: skip


# Each case follows one of these stories as far as the days since its registration allow.
# A step is (status, details, reason); "fear" records a fear of return, "clear" clears it.
STORIES: list[list[tuple[str, dict[str, object], str | None]]] = [
    [("screening", {"fear_of_return": "no"}, "Counselling with an interpreter"),
     ("return_requested", {"destination_country": "BDI", "destination_place": "Makamba"},
      "Signed the voluntary return declaration"),
     ("return_approved", {}, "Documents checked"),
     ("travel_ready", {"travel_document": "Laissez-passer", "departure_point": "Manyovu gate",
                       "transport_mode": "Bus with IOM escort"}, None),
     ("departed", {}, "Left with the weekly convoy"),
     ("returned", {}, "Arrival confirmed by the receiving office in Makamba"),
     ("closed", {"closure_reason": "returned"}, "Returned home")],
    [("screening", {"fear_of_return": "no"}, None),
     ("regularisation_requested", {"permit_type": "Residence permit (family)"},
      "Married to a Tanzanian citizen"),
     ("application_submitted", {"application_reference": "IMM/KGM/2026/0412"}, None),
     ("regularised", {"permit_type": "Residence permit (family)", "permit_number": "RP-208814"},
      "Permit collected at the regional immigration office")],
    [("screening", {"fear_of_return": "yes"}, "Says the family was threatened before leaving")],
    [("screening", {"fear_of_return": "yes"}, "Fled fighting in the home province"),
     ("referred", {}, "Referred to UNHCR for an asylum interview")],
    [("screening", {"fear_of_return": "no"}, None),
     ("return_requested", {"destination_country": "COD", "destination_place": "Uvira"},
      "Wants to rejoin family in Uvira")],
    [("screening", {"fear_of_return": "unclear"}, "Hesitant; to see again with a counsellor"),
     ("clear", {}, "Second interview: worried about debts, not persecution"),
     ("return_requested", {"destination_country": "BDI", "destination_place": "Rumonge"}, None),
     ("return_approved", {}, None)],
    [("screening", {"fear_of_return": "no"}, None),
     ("regularisation_requested", {"permit_type": "Work permit"}, "Employed by a Kasulu farm"),
     ("application_submitted", {"application_reference": "IMM/KGM/2026/0388"}, None),
     ("refused", {}, "Employer's papers incomplete")],
    [],
    [("screening", {"fear_of_return": "no"}, None),
     ("return_requested", {"destination_country": "BDI", "destination_place": "Ruyigi"}, None),
     ("return_approved", {}, None),
     ("travel_ready", {"travel_document": "Burundian passport", "departure_point": "Manyovu gate",
                       "escort_required": True}, None),
     ("departed", {}, None)],
    [("screening", {}, "First interview")],
    [("screening", {"fear_of_return": "no"}, None),
     ("regularisation_requested", {"permit_type": "Residence permit"}, None),
     ("application_submitted", {"application_reference": "IMM/KGR/2026/1102"}, None)],
]
# Returns that stop on the way: ready to travel, and home but not yet closed.
STORIES += [STORIES[0][:4], STORIES[0][:6]]


class _Story:
    """Moves one demo case along its story, each step a few days after the last."""

    # A couple of follow-ups are left overdue; the others fall due in the coming days.
    overdue_left = 2

    def __init__(self, case: Case, officer: User, users: dict[str, User], moment: datetime,
                 now: datetime) -> None:  # fmt: skip
        self.case, self.officer, self.now = case, officer, now
        national, kagera = users["supervisor"], users["supervisor.kagera"]
        self.supervisor = kagera if case.border_point.code != "MNY" else national
        self.moment = moment

    def tell(self, story: list[tuple[str, dict[str, object], str | None]]) -> None:
        for status, details, reason in story:
            moment = self.moment + timedelta(days=2, hours=1)
            if moment > self.now:
                break
            self.moment = moment
            self._step(status, dict(details), reason)
        self._follow_up()

    def _step(self, status: str, details: dict[str, object], reason: str | None) -> None:
        day, number = self.moment.date(), self.case.case_number
        if status == "clear":
            workflow.clear_fear(self.supervisor, number, self.case.version, reason)
            return self._backdate(status_changed=False)
        # The officer requested the return: the supervisor approving it is a second person.
        actor = self.supervisor if status in ("return_approved", "closed") else self.officer
        if status == "return_approved" and self.case.child_without_adult:
            # A child registered without an adult: the determination and assessment come first.
            details.update(bid_decided_on=day, bid_outcome="return", family_assessment_on=day)
        if status == "travel_ready":
            details.update(departure_date=day + timedelta(days=1), fit_to_travel_on=day)
        if status == "departed":
            day = max(day, self.case.departure_date or day)
        if status == "returned":
            details["arrival_confirmed_on"] = day
        if status == "application_submitted":
            details["submitted_on"] = day
        if status == "regularised":
            details.update(permit_valid_until=day + timedelta(days=730), decision_on=day)
        if status == "refused":
            details["decision_on"] = day
        workflow.transition(actor, number, status, self.case.version, details, reason, day)
        self._backdate()

    def _backdate(self, status_changed: bool = True) -> None:
        """The service stamps "now"; the demo's steps happened on the story's days."""
        if status_changed:
            self.case.status_changed_at = self.moment
        event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == self.case.id)
                                   .order_by(CaseEvent.id.desc()).limit(1)).one()  # fmt: skip
        event.at = self.moment
        db.session.flush()
        event.case_version = self.case.version

    def _follow_up(self) -> None:
        """A task that fits where the case stands; those due in the past are overdue."""
        tasks = {
            "travel_ready": ("Check the travel document is in hand", 1),
            "departed": ("Confirm arrival with the receiving office", 3),
            "application_submitted": ("Ask the immigration office for a decision", 14),
            "screening": ("Second counselling session", 5),
            "return_requested": ("Remind the supervisor to decide", 3),
        }
        task = tasks.get(self.case.status)
        if task is None:
            return
        title, days = task
        due = self.moment.date() + timedelta(days=days)
        if due < self.now.date():
            if _Story.overdue_left > 0:
                _Story.overdue_left -= 1
            else:
                due = self.now.date() + timedelta(days=days)
        db.session.add(FollowUp(case_id=self.case.id, title=title, created_by_id=self.officer.id,
                                due_on=due))  # fmt: skip
        if self.case.status == "screening":
            db.session.add(CaseNote(case_id=self.case.id, author_id=self.officer.id, at=self.moment,
                                    text="Met with an interpreter; the person understands the options."))  # fmt: skip


def _person(rng: random.Random, border_point: str, today: date) -> RegistrationData:
    """A plausible person registered on `today`."""
    sex = rng.choice(["female", "male"])
    given = rng.choice(GIVEN_FEMALE if sex == "female" else GIVEN_MALE)
    nationality = rng.choice(NATIONALITIES)
    age = rng.choice([rng.randint(1, 17), rng.randint(18, 45), rng.randint(18, 45), rng.randint(46, 75)])
    consent = rng.random() > 0.1
    vulnerabilities = tuple(rng.sample(VULNERABILITIES, k=1)) if rng.random() < 0.3 else ()
    if age < 18 and vulnerabilities == ("unaccompanied_child",):
        pass
    elif "unaccompanied_child" in vulnerabilities:
        vulnerabilities = ()
    return RegistrationData(
        border_point=border_point,
        given_names=given,
        family_name=rng.choice(FAMILY),
        sex=sex,
        date_of_birth=date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
        dob_precision=rng.choice(["exact", "year", "estimated"]),
        nationality=nationality,
        country_of_birth=nationality if nationality != "XXX" else None,
        languages=("run", "swa") if nationality == "BDI" else ("swa", "fra"),
        phone=f"+2557{rng.randint(10000000, 99999999)}" if consent else None,
        documents=(DocumentData("national_id", f"{rng.randint(1000000, 9999999)}", nationality
                                if nationality != "XXX" else None),) if consent and age >= 18 else (),
        vulnerabilities=vulnerabilities,
        arrival_date=today - timedelta(days=rng.randint(0, 3)),
        entry_type=rng.choice(["regular", "irregular", "unknown"]),
        circumstances=rng.choice(["intercepted", "self_presented", "expelled", "referred"]),
        consent_given=consent,
        consent_scope="case_management" if consent else None,
        consent_date=today if consent else None,
        consent_language="run" if nationality == "BDI" else "swa",
        submission_id=str(uuid.uuid4()),
    )
