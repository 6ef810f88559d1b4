"""Demo data: the four Tanzanian border posts, one account per role, and about fifty people."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from registry.domain.i18n import N_
from registry.extensions import db
from registry.models import BorderPoint, User
from registry.services import accounts, registration
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
    for index in range(people):
        code = BORDER_POINTS[index % len(BORDER_POINTS)][0]
        officer = users[f"officer.{code.lower()}"]
        # Spread registrations over the last two months, oldest first.
        moment = now - timedelta(days=(people - index) * 60 / people, hours=rng.randint(0, 8))
        case = registration.register(officer, _person(rng, code, moment.date()), today=today,
                                     timezone="Africa/Dar_es_Salaam", ip_address=None)  # fmt: skip
        case.registered_at = moment
        case.events[0].at = moment
    db.session.flush()
    return True


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
                                if nationality != "XXX" else None),) if consent and age >= 18 else (),  # fmt: skip
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
