"""The printed case summary sheet and the font layer under it (registry.documents)."""

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
from registry.documents import CaseSummary, CaseSummaryData, TimelineRow, draw_string, markup
from registry.documents.fonts import ARABIC, ETHIOPIC

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
