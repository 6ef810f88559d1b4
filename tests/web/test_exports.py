"""Exports of the case list: CSV and XLSX, one row per person, filtered, anonymised, audited."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import update

from registry.domain.figures import age_group, spreadsheet_safe
from registry.extensions import db
from registry.models import AuditEntry, Case, CaseMember, Person, User
from registry.services import exports
from registry.services.cases import CaseFilters
from registry.services.registration import DocumentData

TIMEZONE = "Africa/Dar_es_Salaam"


@pytest.fixture
def logged_in(browser, officer):
    browser.login("officer.mny")
    return browser


def read_csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def add_child(app, case, given_names: str, born: date) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        row = db.session.get(Case, case.id)
        child = Person(given_names=given_names, family_name="Ndayishimiye", sex="male", nationality="BDI",
                       date_of_birth=born, dob_precision="exact")  # fmt: skip
        row.members.append(CaseMember(person=child, relationship_to_head="child"))
        db.session.commit()


def export_entries(app) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry).filter_by(action="export")))


def test_csv_has_the_data_dictionary_columns_and_a_row_per_person(app, logged_in, officer, register):
    case = register(officer, phone="+255 712 345 678", vulnerabilities=("single_parent",),
                    documents=(DocumentData("passport", "AB123456", "BDI"),))  # fmt: skip
    add_child(app, case, "Keza", date(date.today().year - 2, 1, 1))
    response = logged_in.get("/cases/export.csv")
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert 'attachment; filename="cases-' in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == list(exports.COLUMNS)
    assert [(row["case_number"], row["relationship"], row["given_names"]) for row in rows] == [
        (case.case_number, "head", "Aline"), (case.case_number, "child", "Keza")]  # fmt: skip
    head = rows[0]
    assert head["phone"] == "'+255 712 345 678"  # a leading + is a formula to a spreadsheet
    assert head["documents"] == "passport:AB123456"
    assert head["vulnerabilities"] == "single_parent"
    assert head["date_of_birth"] == "1990-05-17" and head["age_group"] == "18-59"
    assert head["status"] == "registered" and head["border_point"] == "MNY"
    assert head["consent_given"] == "yes" and head["assigned_to"] == "officer.mny"
    assert rows[1]["age_group"] == "0-4"


def test_export_takes_the_lists_filters(app, logged_in, officer, register):
    wanted = register(officer, given_names="Glody", nationality="COD")
    register(officer, given_names="Aline", nationality="BDI")
    rows = read_csv(logged_in.get("/cases/export.csv", query_string={"nationality": "COD", "q": "glo"}))
    assert [row["case_number"] for row in rows] == [wanted.case_number]


def test_export_of_an_empty_list_is_a_header_only(logged_in, officer, register):
    register(officer)
    rows = read_csv(logged_in.get("/cases/export.csv", query_string={"status": "returned"}))
    assert rows == []


def test_every_export_is_audited_with_its_filters_and_row_count(app, logged_in, officer, register):
    case = register(officer)
    add_child(app, case, "Keza", date(date.today().year - 2, 1, 1))
    read_csv(logged_in.get("/cases/export.csv", query_string={"status": "registered", "q": "aline"}))
    [entry] = export_entries(app)
    hashes = entry.details.pop("search_hashes")
    assert entry.details == {"status": "registered", "searched": True, "format": "csv",
                             "anonymised": False, "rows": 2}  # fmt: skip
    # The words searched are kept only as a keyed hash, so an investigator can ask about them.
    from registry.services import audit

    with app.app_context():
        assert hashes == [audit.search_hash("aline")]
    assert entry.actor_username == "officer.mny"
    assert "aline" not in str(entry.details).lower()


def test_cells_a_spreadsheet_would_compute_are_neutralised(logged_in, officer, register):
    register(officer, given_names="=HYPERLINK(\"http://evil\")", family_name="@SUM(A1)",
             other_names="-2+3", place_of_origin="+cmd|' /C calc'!A0")  # fmt: skip
    [row] = read_csv(logged_in.get("/cases/export.csv"))
    assert row["given_names"] == "'=HYPERLINK(\"http://evil\")"
    assert row["family_name"] == "'@SUM(A1)"
    assert row["other_names"] == "'-2+3"
    assert row["place_of_origin"] == "'+cmd|' /C calc'!A0"


def test_xlsx_holds_the_same_rows_with_text_never_computed(app, logged_in, officer, register):
    register(officer, given_names="=1+1", family_name="Ndayishimiye")
    response = logged_in.get("/cases/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header, row = list(sheet.iter_rows(values_only=True))
    assert header == exports.COLUMNS
    values = dict(zip(header, row, strict=True))
    assert values["given_names"] == "=1+1" and values["family_name"] == "Ndayishimiye"
    cell = sheet.cell(row=2, column=header.index("given_names") + 1)
    assert cell.data_type == "s"  # a string, not a formula
    assert values["date_of_birth"].date() == date(1990, 5, 17)
    assert [entry.details["format"] for entry in export_entries(app)] == ["xlsx"]


def test_xlsx_past_the_spreadsheet_row_limit_points_to_csv(app, logged_in, officer, register, monkeypatch):
    register(officer)
    register(officer, given_names="B")
    monkeypatch.setattr(app.config["REGISTRY"], "XLSX_MAX_ROWS", 1)
    response = logged_in.get("/cases/export.xlsx", query_string={"status": "registered"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This list has 2 rows, more than a spreadsheet export takes (1). Export it as CSV instead" in page
    assert 'href="/cases/export.csv?status=registered"' in page
    assert export_entries(app) == []


def test_supervisor_exports_an_anonymised_version(app, browser, officer, supervisor, register):
    case = register(officer, phone="+255 712 345 678", place_of_origin="Makamba",
                    documents=(DocumentData("passport", "AB123456", "BDI"),))  # fmt: skip
    add_child(app, case, "Keza", date(date.today().year - 2, 1, 1))
    browser.login("supervisor.mny")
    response = browser.get("/cases/export.csv", query_string={"anonymised": "1"})
    rows = read_csv(response)
    assert "anonymised" in response.headers["Content-Disposition"]
    assert list(rows[0]) == list(exports.ANONYMISED_COLUMNS)
    text = response.get_data(as_text=True)
    for secret in ("Aline", "Ndayishimiye", "Keza", "712 345", "AB123456", "1990-05-17", "Makamba",
                   case.case_number):  # fmt: skip
        assert secret not in text
    assert [(row["case_ref"], row["relationship"], row["age_group"]) for row in rows] == [
        ("1", "head", "18-59"), ("1", "child", "0-4")]  # fmt: skip
    [entry] = export_entries(app)
    assert entry.details["anonymised"] is True and entry.details["rows"] == 2


def test_an_officer_may_not_export_anonymised(app, logged_in, officer, register):
    register(officer)
    response = logged_in.get("/cases/export.csv", query_string={"anonymised": "1"})
    assert response.status_code == 403
    assert "Only a supervisor exports anonymised data." in response.get_data(as_text=True)
    assert export_entries(app) == []


def test_an_officer_of_another_point_exports_nothing_of_it(app, browser, officer, other_officer, register):
    register(officer, given_names="Aline", family_name="Ndayishimiye")
    own = register(other_officer, given_names="Baraka", family_name="Mollel")
    browser.login("officer.kbg")
    response = browser.get("/cases/export.csv", query_string={"border_point": "MNY"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "nothing was exported" in page and "Border point" in page and "Not a valid choice." in page
    assert "Ndayishimiye" not in page
    # Without the foreign filter: their own cases only.
    rows = read_csv(browser.get("/cases/export.csv"))
    assert [row["case_number"] for row in rows] == [own.case_number]


@pytest.mark.parametrize("args, message", [
    ({"registered_from": "2026-05-01", "registered_to": "2026-01-01"}, "The end of the period is before its start."),
    ({"registered_from": "20026-01-01"}, "Not a valid date value."),
    ({"status": "deleted"}, "Not a valid choice."),
    ({"anonymised": "yes please"}, "Not a valid choice."),
])  # fmt: skip
def test_an_export_with_a_filter_it_cannot_apply_is_refused_with_the_reason(app, logged_in, officer,
                                                                            register, args, message):  # fmt: skip
    register(officer)
    response = logged_in.get("/cases/export.csv", query_string=args)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert export_entries(app) == []


def test_administrator_exports_nothing(browser, officer, admin, register):
    register(officer)
    browser.login("admin")
    for url in ("/cases/export.csv", "/cases/export.xlsx"):
        response = browser.get(url)
        assert response.status_code == 403
        assert "Ndayishimiye" not in response.get_data(as_text=True)


def test_export_reads_one_snapshot_in_batches(app, logged_in, officer, register, monkeypatch):
    created = [register(officer, given_names=name).case_number for name in ("A", "B", "C", "D", "E")]
    monkeypatch.setattr(exports, "CASES_PER_BATCH", 2)
    rows = read_csv(logged_in.get("/cases/export.csv"))
    assert [row["case_number"] for row in rows] == created[::-1]


def test_the_xlsx_cap_is_configured_and_never_beyond_a_worksheet():
    from registry.config import Settings

    assert Settings().XLSX_MAX_ROWS == 100_000
    assert exports.xlsx_limit(100_000) == 100_000
    assert exports.xlsx_limit(5_000_000) == 1_048_575  # a worksheet's rows, less the header
    assert exports.xlsx_limit(-3) == 0
    assert Settings.from_environment({"REGISTRY_XLSX_MAX_ROWS": "2500"}).XLSX_MAX_ROWS == 2500


def open_export(app, user: int, *, anonymised: bool = False) -> exports.Export:  # type: ignore[no-untyped-def]
    with app.app_context():
        return exports.open_export(db.session.get(User, user), CaseFilters(), timezone=TIMEZONE,
                                   anonymised=anonymised)  # fmt: skip


def reference_csv(app, anonymised: bool) -> bytes:  # type: ignore[no-untyped-def]
    """The whole registry's export written the plain way, through the models: what the export
    must give byte for byte."""
    columns = exports.ANONYMISED_COLUMNS if anonymised else exports.COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(columns)
    with app.app_context():
        cases = db.session.scalars(db.select(Case).order_by(Case.registered_at.desc(), Case.id.desc()))
        for case_ref, case in enumerate(cases, start=1):
            registered = case.registered_at.astimezone(ZoneInfo(TIMEZONE))
            for member in sorted(case.members, key=lambda member: (member.relationship_to_head != "head", member.id)):
                person = member.person
                values = {
                    "case_ref": case_ref, "border_point": case.border_point.code,
                    "registered_at": registered.replace(microsecond=0).isoformat(),
                    "registered_on": registered.date(), "relationship": member.relationship_to_head,
                    "assigned_to": case.assigned_to.username if case.assigned_to else None,
                    "consent_given": "yes" if case.consent_given else "no",
                    "age_group": age_group(person.date_of_birth, registered.date()),
                    "languages": " ".join(person.languages or ()),
                    "documents": "; ".join(f"{document.type}:{document.number}"
                                           for document in sorted(person.documents, key=lambda d: d.id)),
                    "vulnerabilities": ";".join(sorted(person.vulnerabilities)),
                }  # fmt: skip
                row = []
                for name in columns:
                    value = values[name] if name in values else getattr(person if hasattr(person, name) else case, name)
                    row.append(spreadsheet_safe(value) if name in exports.TYPED_TEXT and value else value)
                writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("anonymised", [False, True])
def test_the_export_is_byte_for_byte_the_plain_rendering_of_the_registry(app, officer, supervisor, register,
                                                                        monkeypatch, anonymised):  # fmt: skip
    register(officer, given_names='Marie, "Mado"', family_name="=cmd|' /C calc'!A0", other_names="Line\nbreak",
             place_of_origin="\uff1dSUM(A1)", phone="+255 712 345 678", languages=("fra", "kir"),
             vulnerabilities=("single_parent", "disability"),
             documents=(DocumentData("passport", "AB123456", "BDI"), DocumentData("national_id", "-77", "BDI")))
    # A formula that also needs quoting (its apostrophe goes inside the quotes), and a document
    # number that needs quoting on its own.
    register(officer, given_names='=HYPERLINK("x"), y', family_name="Ndayishimiye", other_names="@mention",
             documents=(DocumentData("passport", 'P"1,2', "BDI"),))
    case = register(officer, given_names="Jean", date_of_birth=None, dob_precision=None)
    today = date.today()
    # Ages about the day of registration: birthdays that day, the day after, on 29 February, and
    # a birth date after the registration (unknown).
    add_child(app, case, "Anniversaire", date(today.year - 5, today.month, min(today.day, 28)))
    add_child(app, case, "Veille", date(today.year - 12, today.month, min(today.day, 28)) + timedelta(days=1))
    add_child(app, case, "Bissextile", date(2008, 2, 29))
    add_child(app, case, "Demain", date(today.year + 1, 1, 1))
    with app.app_context():
        # A household whose principal was recorded after another member: still written first.
        principal, child = db.session.scalars(db.select(CaseMember).where(CaseMember.case_id == case.id)
                                              .order_by(CaseMember.id).limit(2))  # fmt: skip
        db.session.execute(update(CaseMember).where(CaseMember.id == principal.id).values(relationship_to_head="spouse"))
        db.session.execute(update(CaseMember).where(CaseMember.id == child.id).values(relationship_to_head="head"))
        db.session.commit()
    for name in ("Chantal", "Didier", "Esther"):
        register(officer, given_names=name, consent_given=False)
    with app.app_context():
        # The case's own typed text: a formula with a comma and quotes, a line break.
        db.session.execute(update(Case).where(Case.id == case.id).values(
            permit_type='@work, "class B"', application_reference="IMM-1\nIMM-2", permit_number="-5"))
        db.session.commit()
    monkeypatch.setattr(exports, "CASES_PER_BATCH", 2)
    monkeypatch.setattr(exports, "IDS_PER_STATEMENT", 1)  # members and cases read again one by one
    export = open_export(app, supervisor.id, anonymised=anonymised)
    written = b"".join(exports.csv_chunks(export))
    assert written == reference_csv(app, anonymised)
    assert export.rows == 10
    if not anonymised:
        assert b'"\'=HYPERLINK(""x""), y",Ndayishimiye,\'@mention,' in written
        assert b',"passport:P""1,2",' in written
        assert b',"\'@work, ""class B""","IMM-1\nIMM-2",' in written and b",'-5," in written


def test_the_rows_counted_are_the_rows_written_while_households_grow(app, officer, register, monkeypatch):
    cases = [register(officer, given_names=name) for name in ("A", "B", "C", "D", "E", "F")]
    monkeypatch.setattr(exports, "CASES_PER_BATCH", 1)
    export = open_export(app, officer.id)
    chunks = exports.csv_chunks(export)
    first = next(chunks)  # the newest case; the others are read after the changes below
    add_child(app, cases[0], "Keza", date(2020, 1, 1))  # the oldest case: written last
    register(officer, given_names="G")
    rows = list(csv.DictReader(io.StringIO((first + b"".join(chunks)).decode().removeprefix("\ufeff"))))
    assert len(rows) == export.rows == 6
    assert [row["given_names"] for row in rows] == ["F", "E", "D", "C", "B", "A"]


def test_a_client_leaving_mid_stream_gives_the_connection_back(app, logged_in, officer, register, monkeypatch):
    for name in ("A", "B", "C", "D", "E", "F"):
        register(officer, given_names=name)
    monkeypatch.setattr(exports, "CASES_PER_BATCH", 1)
    opened: list[exports.Export] = []

    def open_export(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(export := real_open_export(*args, **kwargs))
        return export

    real_open_export = exports.open_export
    monkeypatch.setattr(exports, "open_export", open_export)
    response = logged_in.get("/cases/export.csv", buffered=False)
    assert b"\r\n" in next(iter(response.response))
    [export] = opened
    assert not export.connection.closed
    response.close()
    assert export.connection.closed


def test_an_error_while_reading_fails_the_stream_and_gives_the_connection_back(app, officer, register,
                                                                              monkeypatch):  # fmt: skip
    for name in ("A", "B", "C"):
        register(officer, given_names=name)
    monkeypatch.setattr(exports, "CASES_PER_BATCH", 1)
    calls = []

    def failing(read):  # type: ignore[no-untyped-def]
        def reading(*args):  # type: ignore[no-untyped-def]
            calls.append(args)
            if len(calls) == 4:  # the second case's household
                raise OSError("disk I/O error")
            return read(*args)
        return reading

    # A batch's rows: read one statement after the other, or received from the pipeline.
    with app.app_context():
        pipelined = db.engine.dialect.name == "postgresql"
    if pipelined:
        monkeypatch.setattr(exports.Export, "_received", staticmethod(failing(exports.Export._received)))
    else:
        monkeypatch.setattr(exports.Export, "_raw", failing(exports.Export._raw))
    export = open_export(app, officer.id)
    chunks = exports.csv_chunks(export)
    assert b"\r\n" in next(chunks)  # the first case was sent
    with pytest.raises(OSError, match="disk I/O error"):
        for _ in chunks:
            pass
    assert len(calls) == 4
    assert export.connection.closed


@pytest.mark.parametrize("zone", ["Africa/Dar_es_Salaam", "Europe/Paris", "Australia/Adelaide", "Australia/Lord_Howe",
                                  "America/St_Johns", "UTC"])
def test_registration_moments_on_the_registry_clock_are_right_around_every_change_of_offset(zone):
    """The export looks a zone's offset up once an hour: around its changes (on the hour, the
    half hour, by half an hour), every minute is still converted as astimezone does."""
    from datetime import UTC, datetime

    local = exports._LocalTime(ZoneInfo(zone))
    moments = []
    for start in (datetime(2026, 3, 28, 12), datetime(2026, 4, 4, 12), datetime(2026, 10, 3, 12),
                  datetime(2026, 10, 24, 12), datetime(2026, 11, 1, 0)):  # fmt: skip
        moments += [start + timedelta(minutes=7 * step, seconds=step % 60, microseconds=step) for step in range(2000)]
    for moment in moments:
        expected = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
        wanted = (expected.date(), expected.replace(microsecond=0).isoformat())
        assert local(moment) == wanted
        assert local(moment.isoformat(sep=" ")) == wanted  # as SQLite's driver gives it
