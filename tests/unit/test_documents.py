"""The printed documents (registry.documents): the case sheet and its batches, the slip, the
declaration, the manifest, and the font layer under them."""

import ast
import io
import re
import unicodedata
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

import registry.documents
from reportlab.lib.units import mm

from registry.documents import CaseSummary, CaseSummaryData, TimelineRow, draw_string, markup
from registry.documents.base import Letterhead
from registry.documents.case_summary import CaseSummaryBatch, ListSection
from registry.documents.declaration import DeclarationData, ReturnDeclaration, Signer
from registry.documents.fonts import ARABIC, ETHIOPIC
from registry.documents.manifest import DepartureManifest, ManifestData, ManifestGroup, ManifestRow
from registry.documents.slip import RegistrationSlip, SlipData

CASE_NUMBER = "MNY-2026-000042"
VERIFY_URL = f"https://registry.example.org/v/{CASE_NUMBER}/abc123"
LATIN_NAME = "Ndayishimiye Jean-Pierre Ñúñez Çelik"
ARABIC_NAME = "محمد عبد الله"
ETHIOPIC_NAME = "ሙሉጌታ ተስፋዬ"
OFFICER = "Amina Yusuf"
PERSONAL = [LATIN_NAME, "Ndayishimiye", "Ñúñez", ARABIC_NAME, ETHIOPIC_NAME, OFFICER,
            "1990-04-12", "+257 79 123 456"]
TIMELINE_HEADERS = ["Quand", "Qui", "De", "Vers", "Motif"]
# Labels in French, to show the sheet prints what the view passes, not its English defaults.
LABELS = {
    "title": "Fiche de synthèse",
    "confidential": "Confidentiel",
    "page_of": "Page %(page)s sur %(pages)s",
    "printed_by": "Imprimé par %(name)s le %(when)s",
    "status": "Statut",
    "pathway": "Parcours",
    "timeline": "Historique",
    "when": "Quand",
    "who": "Qui",
    "from": "De",
    "to": "Vers",
    "reason": "Motif",
    "no_events": "Aucun événement enregistré.",
}


def jpeg(width=300, height=400):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 140, 160)).save(out, "JPEG")
    return out.getvalue()


def events(count):
    return [TimelineRow(f"2026-03-01 09:{i % 60:02d}", f"Officer {OFFICER}", "Enregistré",
                        "En évaluation", f"Entretien numéro {i}") for i in range(count)]


@pytest.fixture
def make_data():
    """Factory for the sheet's input: a complete person, overridable field by field."""

    def make(**overrides):
        values = dict(
            organisation_name="Ministère de l'Intérieur — Registre des migrations",
            case_number=CASE_NUMBER,
            verify_url=VERIFY_URL,
            status_label="Retour approuvé",
            pathway_label="Retour volontaire",
            printed_by=OFFICER,
            printed_at="2026-03-14 10:32",
            labels=LABELS,
            sections=[
                ("Personne", [("Nom", "Ndayishimiye"), ("Prénoms", "Jean-Pierre Ñúñez Çelik"),
                              ("Nom complet", LATIN_NAME), ("Date de naissance", "1990-04-12"),
                              ("Téléphone", "+257 79 123 456")]),
                ("Enregistrement", [("Point frontière", "Moyale")]),
                ("Dossier", [("Numéro", CASE_NUMBER)]),
            ],
            timeline=events(3),
            photo=jpeg(),
        )
        values.update(overrides)
        return CaseSummaryData(**values)

    return make


@pytest.fixture
def build(make_data):
    def build_pdf(**overrides):
        return CaseSummary(make_data(**overrides)).build()

    return build_pdf


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base font names (subset prefix removed) used on any page."""
    names = set()
    for page in reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


@pytest.fixture(scope="module")
def long_timeline_pdf():
    data = CaseSummaryData(
        organisation_name="Registry", case_number=CASE_NUMBER, verify_url=VERIFY_URL,
        status_label="Retour approuvé", pathway_label="Retour volontaire", printed_by=OFFICER,
        printed_at="2026-03-14 10:32", labels=LABELS, timeline=events(2000))
    return CaseSummary(data).build()


def test_sheet_is_a4(build):
    box = reader(build()).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_page_size_can_be_changed():
    data = CaseSummaryData(organisation_name="Registry", case_number=CASE_NUMBER,
                           verify_url=VERIFY_URL, status_label="Open", pathway_label="Return",
                           printed_by=OFFICER, printed_at="today")
    box = reader(CaseSummary(data, pagesize=LETTER).build()).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_first_page_shows_case_number_status_pathway_and_names_with_diacritics(build):
    text = page_texts(build())[0]
    for expected in (CASE_NUMBER, "Retour approuvé", "Retour volontaire", LATIN_NAME,
                     "Fiche de synthèse", "Personne", "Enregistrement", "Dossier"):
        assert expected in text


def test_every_page_says_confidential_and_page_x_of_the_true_total(build):
    texts = page_texts(build(timeline=events(120)))
    assert len(texts) > 2
    for number, text in enumerate(texts, start=1):
        assert "Confidentiel" in text
        assert CASE_NUMBER in text
        assert f"Page {number} sur {len(texts)}" in text


def test_footer_says_who_printed_the_sheet_and_when(build):
    assert "Imprimé par Amina Yusuf le 2026-03-14 10:32" in page_texts(build())[0]


def test_qr_code_holds_exactly_the_verification_url(build):
    document = pypdfium2.PdfDocument(build())
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [VERIFY_URL]


def test_arabic_and_ethiopic_names_are_printed_with_noto_fonts(build):
    pdf = build(sections=[("Personne", [("Nom arabe", ARABIC_NAME),
                                        ("Nom amharique", ETHIOPIC_NAME)])])
    fonts = embedded_fonts(pdf)
    assert {"NotoSansArabic", "NotoSansEthiopic"} <= {re.sub("-.*", "", f) for f in fonts}


def test_ethiopic_name_is_extractable_text(build):
    pdf = build(sections=[("Personne", [("Nom amharique", ETHIOPIC_NAME)])])
    assert ETHIOPIC_NAME in page_texts(pdf)[0]


def test_latin_only_sheet_does_not_embed_unneeded_fonts(build):
    fonts = embedded_fonts(build())
    assert not any(name.startswith(("NotoSansArabic", "NotoSansEthiopic")) for name in fonts)


def test_long_timeline_flows_over_many_pages_repeating_its_header(long_timeline_pdf):
    pages = reader(long_timeline_pdf).pages
    assert len(pages) > 20
    for index in (1, len(pages) // 2, len(pages) - 1):
        # The header row is the first thing drawn on the page, column by column.
        assert pages[index].extract_text().splitlines()[:5] == TIMELINE_HEADERS
    assert "Entretien numéro 1999" in pages[-1].extract_text()


def test_sheet_without_photo_family_name_or_events_still_prints(build):
    pdf = build(photo=None, timeline=[],
                sections=[("Personne", [("Nom", ""), ("Prénoms", "Amani")])])
    text = page_texts(pdf)[0]
    assert "Amani" in text
    assert "Aucun événement enregistré." in text
    assert "Page 1 sur 1" in text


def test_damaged_photo_is_left_out_rather_than_failing(build):
    assert "Page 1 sur 1" in page_texts(build(photo=b"\xff\xd8 not a jpeg"))[0]


def image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    xobjects = reader(pdf).pages[0]["/Resources"]["/XObject"].values()
    return [(int(x.get_object()["/Width"]), int(x.get_object()["/Height"])) for x in xobjects]


def test_large_photo_is_scaled_down_before_embedding(build):
    assert max(max(size) for size in image_sizes(build(photo=jpeg(3000, 4000)))) <= 800


def test_photo_taken_sideways_is_printed_upright(build):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    Image.new("RGB", (400, 300), (120, 140, 160)).save(out, "JPEG", exif=exif)
    assert image_sizes(build(photo=out.getvalue())) == [(300, 400)]


def test_huge_values_wrap_inside_the_page_and_lose_nothing(build):
    long_name = "Ñ" + "a" * 298 + "Z"  # one 300-character word: must be cut, not overflow
    long_reason = " ".join(f"mot{i}" for i in range(2000))  # about 10,000 characters
    pdf = build(sections=[("Personne", [("Nom", long_name)])],
                timeline=[TimelineRow("2026-03-01", OFFICER, "A", "B", long_reason)])
    text = "".join(page_texts(pdf)).replace("\n", "")
    assert long_name in text
    assert "mot1999" in text
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            width = page.get_width()
            text_page = page.get_textpage()
            rights = [text_page.get_charbox(i)[2] for i in range(text_page.count_chars())]
            assert max(rights) <= width - 18 * 72 / 25.4 + 1
    finally:
        document.close()


def test_metadata_holds_document_name_and_case_number_but_no_personal_data(build):
    pdf = build()
    metadata = reader(pdf).metadata
    assert metadata.title == f"Fiche de synthèse {CASE_NUMBER}"
    values = " ".join(str(value) for value in metadata.values())
    for personal in PERSONAL:
        assert personal not in values


def test_same_input_gives_identical_bytes(make_data):
    data = make_data()
    assert CaseSummary(data).build() == CaseSummary(data).build()


def test_missing_labels_fall_back_to_english(build):
    text = page_texts(build(labels={}))[0]
    assert "Case summary" in text
    assert "Page 1 of 1" in text


def test_broken_translated_template_does_not_stop_the_print(build):
    text = page_texts(build(labels={**LABELS, "page_of": "Page %(seite)s"}))[0]
    assert CASE_NUMBER in text


def test_logo_is_drawn_on_every_page_and_a_missing_logo_file_is_ignored(build, tmp_path):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (200, 80), (0, 80, 160)).save(logo)
    pdf = build(logo_path=str(logo), timeline=events(120))
    for page in reader(pdf).pages:
        assert page["/Resources"]["/XObject"]
    assert page_texts(build(logo_path=str(tmp_path / "missing.png")))[0]


def test_long_arabic_text_keeps_reading_order_across_lines(build):
    first, middle, last = "سافر", "من الخرطوم إلى الحدود", "وصل"
    sentence = " ".join([first, *[middle] * 12, last])
    text = page_texts(build(sections=[("Personne", [("Récit", sentence)])], timeline=[]))[0]
    lines = [unicodedata.normalize("NFKC", line) for line in text.splitlines()
             if re.search("[\u0600-\u06ff\ufb50-\ufeff]", line)]

    def has(word, line):  # in either order: extractors differ in whether they undo RTL
        return word in line or word[::-1] in line

    assert len(lines) > 1
    assert has(first, lines[0]) and not has(last, lines[0])
    assert has(last, lines[-1]) and not has(first, lines[-1])


def test_draw_string_prints_each_script_in_its_font():
    out = io.BytesIO()
    canvas = Canvas(out)
    draw_string(canvas, 72, 720, f"Jean {ETHIOPIC_NAME} {ARABIC_NAME}", size=10)
    canvas.save()
    fonts = {re.sub("-.*", "", name) for name in embedded_fonts(out.getvalue())}
    assert {"DejaVuSans", "NotoSansArabic", "NotoSansEthiopic"} <= fonts


def test_markup_escapes_markup_characters():
    assert markup('Tom & "Jerry" <b>') == 'Tom &amp; "Jerry" &lt;b&gt;'


def test_markup_gives_arabic_and_ethiopic_runs_their_fonts():
    result = markup(f"{ETHIOPIC_NAME} / {ARABIC_NAME}")
    assert f'<font name="{ETHIOPIC}">{ETHIOPIC_NAME}</font> / ' in result
    assert f'<font name="{ARABIC}">' in result
    assert f'<font name="{ARABIC}-Bold">' in markup(ARABIC_NAME, bold=True)


def test_markup_shapes_arabic_and_puts_it_in_visual_order():
    result = markup("عبد")  # ain, beh, dal
    shaped = re.sub("<[^>]+>", "", result)
    # Joined presentation forms, drawn left to right: final dal, medial beh, initial ain.
    assert shaped == "\ufeaa\ufe92\ufecb"


def test_markup_turns_newlines_into_line_breaks_and_drops_control_characters():
    assert markup("one\ntwo\x00") == "one<br/>two"


def test_document_modules_do_not_import_flask():
    for path in Path(registry.documents.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(name.split(".")[0] == "flask" for name in names), path


# --- Sections as tables, signature lines, photos embedded as they are ---------------------------


def test_list_sections_print_as_tables_that_repeat_their_header_over_pages(build):
    rows = [(f"Member {i}", "Child", "Female") for i in range(150)]
    pdf = build(sections=[ListSection("Ménage", ["Nom", "Lien", "Sexe"], rows,
                                      [None, 30 * mm, 30 * mm], "Personne d'autre")],
                timeline=[])  # fmt: skip
    pages = page_texts(pdf)
    assert len(pages) > 2
    assert pages[1].splitlines()[:3] == ["Nom", "Lien", "Sexe"]
    assert "Member 149" in pages[-1]


def test_an_empty_list_section_prints_its_message(build):
    text = page_texts(build(sections=[ListSection("Ménage", ["Nom"], [], [None],
                                                  "Aucun autre membre.")]))[0]
    assert "Ménage" in text and "Aucun autre membre." in text


def test_signature_lines_close_the_sheet(build):
    text = page_texts(build(signatures=["Agent", "Superviseur"],
                            labels={**LABELS, "signatures": "Signatures", "name": "Nom",
                                    "date": "Date", "signature": "Signature"}))[-1]  # fmt: skip
    assert re.search(r"Signatures\s+Nom\s+Date\s+Signature\s+Agent\s+Superviseur", text)


def test_a_jpeg_photo_is_embedded_as_it_is_without_being_decoded(build):
    photo = jpeg(300, 400)
    pdf = build(photo=photo)
    [image] = [x.get_object() for x in reader(pdf).pages[0]["/Resources"]["/XObject"].values()]
    assert list(image["/Filter"]) == ["/DCTDecode"]
    assert image._data == photo


def test_a_png_photo_is_printed_as_a_jpeg(build):
    out = io.BytesIO()
    Image.new("RGBA", (200, 260), (10, 20, 30, 128)).save(out, "PNG")
    [image] = [x.get_object() for x in reader(build(photo=out.getvalue())).pages[0][
        "/Resources"]["/XObject"].values()]  # fmt: skip
    assert list(image["/Filter"]) == ["/DCTDecode"]
    assert (image["/Width"], image["/Height"]) == (200, 260)


def test_a_sheet_without_a_verification_link_prints_no_qr_code(build):
    document = pypdfium2.PdfDocument(build(verify_url=""))
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    assert zxingcpp.read_barcodes(image) == []


# --- A batch of sheets ---------------------------------------------------------------------------


def batch_letterhead() -> Letterhead:
    return Letterhead(organisation_name="Registry", confidential="Confidentiel",
                      page_of="Page %(page)s sur %(pages)s", printed="Imprimé par Amina")


def test_a_batch_numbers_each_sheets_pages_on_their_own_with_its_case_number(make_data):
    sheets = [make_data(case_number=f"MNY-2026-00000{i}", timeline=events(count))
              for i, count in ((1, 3), (2, 120), (3, 3))]
    batch = CaseSummaryBatch(iter(sheets), batch_letterhead(), "Fiches")
    texts = page_texts(batch.build())
    assert batch.count == 3
    footers = [re.search(r"(MNY-2026-00000\d) · Page (\d+) sur (\d+)", text).groups()
               for text in texts]
    by_case: dict[str, list[tuple[str, str]]] = {}
    for number, page, pages in footers:
        by_case.setdefault(number, []).append((page, pages))
    assert list(by_case) == ["MNY-2026-000001", "MNY-2026-000002", "MNY-2026-000003"]
    for pages in by_case.values():
        assert pages == [(str(i), str(len(pages))) for i in range(1, len(pages) + 1)]
    assert len(by_case["MNY-2026-000002"]) > 2


def test_a_batch_reads_its_sheets_one_at_a_time(make_data):
    made = []

    def sheets():
        for i in range(3):
            made.append(i)
            yield make_data(case_number=f"MNY-2026-00000{i}")

    class Watching(CaseSummaryBatch):
        def parts(self):
            for part in super().parts():
                # When a sheet is laid out, the next one has not been made yet.
                assert len(made) == self.count
                yield part

    Watching(sheets(), batch_letterhead(), "Fiches").build()
    assert made == [0, 1, 2]


def test_an_empty_batch_builds_without_failing():
    # The web never prints one (it says there is nothing to print), but the builder copes.
    assert len(reader(CaseSummaryBatch(iter(()), batch_letterhead(), "Fiches").build()).pages) == 0


# --- Registration slip ---------------------------------------------------------------------------


def test_slip_is_a5_with_name_case_number_facts_and_qr_and_no_confidential_mark():
    pdf = RegistrationSlip(SlipData(
        organisation_name="Registry", case_number=CASE_NUMBER, verify_url=VERIFY_URL,
        name=ARABIC_NAME, printed_by=OFFICER, printed_at="2026-03-14",
        facts=[("Poste frontalier", "Manyovu")], instructions=["Gardez ce récépissé."],
        labels={"title": "Récépissé", "page_of": "Page %(page)s sur %(pages)s"})).build()
    box = reader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)
    text = page_texts(pdf)[0]
    for expected in ("Récépissé", CASE_NUMBER, "Manyovu", "Gardez ce récépissé.", "Page 1 sur 1"):
        assert expected in text
    assert "Confidential" not in text
    assert "NotoSansArabic" in {re.sub("-.*", "", f) for f in embedded_fonts(pdf)}
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [VERIFY_URL]


# --- Voluntary return declaration --------------------------------------------------------------


def test_declaration_has_numbered_statements_and_boxes_to_sign_with_a_thumbprint_for_the_person():
    pdf = ReturnDeclaration(DeclarationData(
        organisation_name="Registry", case_number=CASE_NUMBER, verify_url=VERIFY_URL,
        printed_by=OFFICER, printed_at="2026-03-14",
        identity=[("Nom", LATIN_NAME)], destination=[("Pays", "Burundi")],
        household=(["Nom", "Lien"], [("Ange", "Enfant")]),
        statements=["Je demande à rentrer.", "Je peux retirer cette déclaration."],
        signers=[Signer("La personne", "J'ai compris.", thumbprint=True),
                 Signer("Interprète", ""), Signer("Agent", "")],
        labels={"title": "Déclaration", "thumbprint": "Empreinte", "signature": "Signature",
                "name": "Nom", "date": "Date"},
    )).build()
    text = " ".join(page_texts(pdf))
    for expected in ("Déclaration", LATIN_NAME, "Burundi", "Ange", "1.", "Je demande à rentrer.",
                     "2.", "Je peux retirer cette déclaration.", "La personne", "Interprète",
                     "Agent", "Empreinte"):  # fmt: skip
        assert expected in text, expected
    assert text.count("Empreinte") == 1  # the person's box only


# --- Departure manifest ------------------------------------------------------------------------


def manifest(rows: int, **overrides) -> bytes:  # type: ignore[no-untyped-def]
    values = dict(
        organisation_name="Registry", reference="MNY · 2026-03-02", printed_by=OFFICER,
        printed_at="2026-03-01",
        groups=[ManifestGroup("Manyovu gate", [
            ManifestRow(f"MNY-2026-{i:06d}", "Bizimana", f"Given {i}", "Female", "30", "Burundi",
                        "Makamba, Burundi", "Laissez-passer") for i in range(rows)])],
        totals=[("By sex", [("Female", rows), ("Male", 0)])],
    )
    values.update(overrides)
    return DepartureManifest(ManifestData(**values)).build()


def test_manifest_is_landscape_with_a_row_per_person_and_repeated_headers_and_totals():
    pdf = manifest(200)
    box = reader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    pages = page_texts(pdf)
    assert len(pages) > 3
    assert pages[2].splitlines()[:3] == ["No.", "Case number", "Family name"]
    assert "Given 199" in pages[-1] and re.search(r"By sex\s+Female\s+Male\s+Total\s+200\s+0\s+200",
                                                  pages[-1])
    assert all("MNY · 2026-03-02 · Page" in page for page in pages)


def test_manifest_with_nobody_says_so():
    text = page_texts(manifest(0, groups=[], totals=[]))[0]
    assert "Nobody is recorded as leaving on this day." in text
