"""Benchmark of the printed documents against their targets, through the real views.

    python -m bench.documents [--repeat 30] [--batch 500] [--manifest-rows 1000] [--reuse]

Targets (issue "Printed documents"): a case summary sheet with a photo and a 30-event timeline
in at most 40 ms (median); a batch of 500 sheets in at most 15 s and 300 MB peak memory; a
manifest of 1,000 rows in at most 5 s.

A SQLite database in bench/out/documents.sqlite3 holds: one case with a photo, a household of
four, two documents and 30 timeline events (the sheet); 500 cases of border point MNY, each
with a photo, one to four people and 6 to 14 events (the batch); 1,000 people travel-ready
from border point KBG on one day, in households of one to five (the manifest). Every document
is fetched through the Flask test client as an officer, so the figures include loading the
case, translating, recording the print issue and the audit rows, and building the PDF.

The sheet is also timed with the builder alone (data already gathered). The batch and the
manifest each run in a child process that reports its wall time, CPU time and peak memory
(VmHWM, the kernel's high-water mark of the process's resident memory, which includes the
interpreter, the application and the fonts: about 120 MB before the first request).
Prints the figures and writes them to bench/out/documents.json.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
DATABASE = OUT / "documents.sqlite3"
UPLOADS = OUT / "documents-uploads"
PASSWORD = "benchmark-password-2026"
DEPARTURE = date(2026, 3, 2)
TARGETS = {"sheet_ms": 40, "batch_s": 15, "batch_mb": 300, "manifest_s": 5}


def make_app():  # type: ignore[no-untyped-def]
    from registry import create_app

    return create_app({"DATABASE_URL": f"sqlite:///{DATABASE}", "SECRET_KEY": "benchmark",
                       "AUDIT_KEY": "benchmark", "RATELIMIT_ENABLED": False, "TESTING": False,
                       "UPLOAD_FOLDER": str(UPLOADS), "BASE_URL": "https://registry.example.org"})


def photo(rng: random.Random) -> bytes:
    """A 600 x 800 portrait with a camera's grain: about 100 KB of JPEG, like a real one."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), (rng.randrange(150, 230),) * 3)
    draw = ImageDraw.Draw(image)
    draw.ellipse((180, 120, 420, 400), fill=(rng.randrange(90, 160), 110, 90))
    draw.rectangle((120, 450, 480, 800), fill=(60, 80, rng.randrange(100, 200)))
    grain = Image.effect_noise((600, 800), 24).convert("RGB")
    image = Image.blend(image, grain, 0.25)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def build() -> None:
    """The database: accounts, border points, the sheet's case, the batch, the manifest."""
    from flask_migrate import upgrade

    from registry.extensions import db
    from registry.models import (
        BorderPoint,
        Case,
        CaseEvent,
        CaseMember,
        IdentityDocument,
        Person,
        PersonVulnerability,
    )
    from registry.services import accounts
    from registry.services.uploads import UploadStore

    OUT.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    app = make_app()
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        accounts.add_border_point("MNY", "Manyovu", "TZA", "Kigoma")
        accounts.add_border_point("KBG", "Kabanga", "TZA", "Kagera")
        officer = accounts.create_user("bench.officer", PASSWORD, "officer", ["MNY", "KBG"],
                                       full_name="Neema Mushi")
        db.session.commit()
        points = {point.code: point for point in db.session.scalars(db.select(BorderPoint))}
        store = UploadStore(UPLOADS)
        # One photo per case, as in life: a batch embeds each.
        photos = [store.save(photo(rng)) for _ in range(502)]
        registered = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
        given = ["Aline", "Claudine", "Jean-Pierre", "Josué", "Amina", "Hassan", "Divine", "Félix"]
        family = ["Ndayishimiye", "Niyonzima", "Nshimirimana", "Hakizimana", "Mukamana", "Ilunga"]
        sequence = {"MNY": 0, "KBG": 0}

        def person(**fields: Any) -> Person:
            return Person(given_names=rng.choice(given), family_name=rng.choice(family),
                          sex=rng.choice(["female", "male"]),
                          date_of_birth=date(rng.randrange(1950, 2024), rng.randrange(1, 13), 1),
                          dob_precision=rng.choice(["exact", "year", "estimated"]),
                          nationality=rng.choice(["BDI", "COD", "RWA"]), languages=["run", "swa"],
                          **fields)  # fmt: skip

        def case(code: str, members: int, events: int, **fields: Any) -> Case:
            sequence[code] += 1
            head = person(photo_filename=photos.pop() if photos else None, phone="+257 79 123 456")
            head.documents.append(IdentityDocument(type="passport", number=f"OP{rng.randrange(10**6)}",
                                                   number_normalised="OP", issuing_country="BDI"))
            head.vulnerability_rows.append(PersonVulnerability(code="single_parent", note="Three children"))
            row = Case(case_number=f"{code}-2026-{sequence[code]:06d}", border_point=points[code],
                       principal=head, registered_by=officer, assigned_to=officer,
                       registered_at=registered, consent_given=True, consent_date=registered.date(),
                       consent_scope="case_management", consent_language="fra",
                       **fields)  # fmt: skip
            row.members.append(CaseMember(person=head, relationship_to_head="head"))
            for _ in range(members - 1):
                row.members.append(CaseMember(person=person(), relationship_to_head="child"))
            statuses = ["registered", "screening", "return_requested", "return_approved"]
            for index in range(events):
                row.events.append(CaseEvent(
                    at=registered + timedelta(hours=index), actor=officer, kind="transition",
                    from_status=statuses[index % 4], to_status=statuses[(index + 1) % 4],
                    reason=f"Interview {index} held at the border point with an interpreter; "
                           "documents checked and copied."))  # fmt: skip
            db.session.add(row)
            return row

        case("MNY", 4, 30, status="return_approved", pathway="voluntary_return",
             destination_country="BDI")
        for _ in range(500):
            case("MNY", rng.randint(1, 4), rng.randint(6, 14), status="screening")
        people = 0
        while people < 1000:
            size = min(rng.randint(1, 5), 1000 - people)
            case("KBG", size, 6, status="travel_ready", pathway="voluntary_return",
                 destination_country="BDI", destination_place="Makamba", departure_date=DEPARTURE,
                 departure_point=rng.choice(["Kabanga gate", "Kabanga bus station"]),
                 travel_document="Laissez-passer")
            people += size
        db.session.commit()


def logged_in(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "bench.officer",
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def sheet(repeat: int) -> dict[str, Any]:
    from registry.documents.case_summary import CaseSummary
    from registry.extensions import db
    from registry.models import User
    from registry.services import cases
    from registry.web.cases import printing

    app = make_app()
    client = logged_in(app)
    url = "/cases/MNY-2026-000001/summary.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        assert response.status_code == 200
    pages = response.data.count(b"/Type /Page\n") or response.data.count(b"/Type /Page")
    with app.test_request_context("/"):
        user = db.session.scalar(db.select(User).filter_by(username="bench.officer"))
        data = printing.summary_data(cases.get_case(user, "MNY-2026-000001"), user,
                                     verify="https://registry.example.org/v/MNY-2026-000001/"
                                            "abcdefghijklmnop")  # fmt: skip
        assert data.photo, "the sheet's case has a photo"
        builder, builder_cpu = [], []
        for _ in range(repeat):
            started, used = time.perf_counter(), time.process_time()
            CaseSummary(data).build()
            builder.append((time.perf_counter() - started) * 1000)
            builder_cpu.append((time.process_time() - used) * 1000)
    return {"request_median_ms": round(statistics.median(wall), 1),
            "request_cpu_median_ms": round(statistics.median(cpu), 1),
            "request_fastest_ms": round(min(wall), 1),
            "builder_median_ms": round(statistics.median(builder), 1),
            "builder_cpu_median_ms": round(statistics.median(builder_cpu), 1),
            "builder_fastest_ms": round(min(builder), 1), "pages": pages,
            "bytes": len(response.data), "runs": repeat}  # fmt: skip


CHILD = """
import re, sys, time
sys.path.insert(0, {root!r})
from bench.documents import logged_in, make_app
app = make_app()
client = logged_in(app)
client.get("/cases/MNY-2026-000001")  # templates and fonts warm, as in a running server
before_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
started, cpu = time.perf_counter(), time.process_time()
response = client.get({url!r})
body = response.get_data()
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
# VmHWM, not getrusage's ru_maxrss: that one keeps the parent's peak across fork and exec.
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
print(len(body), body.count(b"/Type /Page\\n") or body.count(b"/Type /Page"), seconds, cpu, before_kb, peak_kb)
"""


def child(url: str) -> dict[str, Any]:
    root = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run([sys.executable, "-c", CHILD.format(root=root, url=url)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    size, pages, seconds, cpu, before_kb, peak_kb = result.stdout.split()[-6:]
    return {"seconds": round(float(seconds), 2), "cpu_seconds": round(float(cpu), 2),
            "pages": int(pages), "megabytes": round(int(size) / 1e6, 1),
            "memory_before_mb": round(int(before_kb) / 1024),
            "peak_memory_mb": round(int(peak_kb) / 1024)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep bench/out/documents.sqlite3")
    args = parser.parse_args()
    if not (args.reuse and DATABASE.exists()):
        started = time.perf_counter()
        build()
        print(f"database built in {time.perf_counter() - started:.0f} s")
    figures = {
        "sheet": sheet(args.repeat),
        # The 500 cases of MNY in screening (the sheet's own case is return_approved).
        "batch": child("/cases/sheets.pdf?status=screening&border_point=MNY"),
        "manifest": child(f"/manifests/KBG/{DEPARTURE.isoformat()}.pdf"),
    }
    figures["targets"] = TARGETS
    print(json.dumps(figures, indent=2))
    (OUT / "documents.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
