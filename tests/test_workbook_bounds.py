"""A scenario workbook is checked before openpyxl opens it: a small file may unpack to gigabytes.

Each bad file is built here, small on disk: a part that unpacks past 50 MB, a header that lies about
its size, millions of shared strings or cells, a DTD. Each is refused with a message that says why,
and openpyxl never sees it (``load_workbook`` is replaced by a trap).
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

import fiscal_sim
from fiscal_sim import ScenarioError
from fiscal_sim.io import excel_reader
from fiscal_sim.io.excel_reader import MAX_PART_BYTES, check_workbook_archive, read_scenario_workbook
from fiscal_sim.io.excel_template import scenario_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SKELETON = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
    "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"/>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}"><sheets/></workbook>'.encode(),
}


def sheet(rows: bytes) -> bytes:
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode() + rows + b"</sheetData></worksheet>"


def strings(items: bytes, attributes: str = "") -> bytes:
    return f'<?xml version="1.0"?><sst xmlns="{MAIN}"{attributes}>'.encode() + items + b"</sst>"


def workbook(parts: dict[str, bytes], skeleton: bool = True) -> bytes:
    """An .xlsx-shaped zip of ``parts`` (deflated, so repetitive parts stay small on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in {**(SKELETON if skeleton else {}), **parts}.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with ``name``'s uncompressed size set to ``size`` in both of its headers (a lying header)."""
    out = bytearray(data)
    encoded = name.encode()
    local = out.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", out, local + 26)[0]
        if out[local + 30 : local + 30 + name_length] == encoded:
            struct.pack_into("<I", out, local + 22, size)
            break
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", out, central + 28)[0]
        if out[central + 46 : central + 46 + name_length] == encoded:
            struct.pack_into("<I", out, central + 24, size)
            return bytes(out)
        central = out.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{name} not in the zip")


@pytest.fixture
def no_openpyxl(monkeypatch):
    """openpyxl's loader replaced by a trap: a refused workbook must never reach it."""

    def trap(*args, **kwargs):
        raise AssertionError("openpyxl was asked to load a workbook that should have been refused")

    monkeypatch.setattr(excel_reader, "load_workbook", trap)


def refused(data: bytes, tmp_path=None) -> str:
    """The message of reading ``data`` as an upload, and as a file too when given ``tmp_path`` (the same)."""
    with pytest.raises(ScenarioError) as from_upload:
        read_scenario_workbook(io.BytesIO(data))
    (message,) = from_upload.value.errors["_schema"]
    if tmp_path is not None:
        path = tmp_path / "upload.xlsx"
        path.write_bytes(data)
        with pytest.raises(ScenarioError) as from_file:
            fiscal_sim.load_scenario(path)
        assert from_file.value.source == "upload.xlsx"
        assert from_file.value.errors == {"_schema": [message]}
    return message


def test_a_filled_template_passes_the_check(tmp_path, make_scenario):
    data = scenario_workbook(make_scenario())
    path = tmp_path / "template.xlsx"
    path.write_bytes(data)
    check_workbook_archive(path)
    stream = io.BytesIO(data)
    stream.seek(7)
    check_workbook_archive(stream)
    assert stream.tell() == 7  # left where it was, for openpyxl
    assert read_scenario_workbook(io.BytesIO(data))["towns"][0]["id"] == "T1"


def test_not_a_zip_or_not_a_workbook(tmp_path, no_openpyxl):
    assert refused(b"PK\x03\x04 not really a zip", tmp_path).startswith("not a readable .xlsx workbook (BadZipFile")
    message = refused(workbook({"hello.txt": b"hello"}, skeleton=False), tmp_path)
    assert message == (
        "not a readable .xlsx workbook: the zip has no [Content_Types].xml, _rels/.rels, xl/workbook.xml"
        " (save it from Excel as .xlsx)"
    )


def test_a_part_unpacking_past_50_mb_is_refused_from_its_header(tmp_path, no_openpyxl):
    row = b'<row><c t="n"><v>1</v></c></row>'
    data = workbook({"xl/worksheets/sheet1.xml": sheet(row * (MAX_PART_BYTES // len(row) + 2**20 // len(row)))})
    assert len(data) < 500_000  # small on disk
    assert refused(data, tmp_path) == (
        "workbook refused: xl/worksheets/sheet1.xml would unpack to 51.0 MB, more than 50 MB per part"
    )


def test_a_zip_bomb_of_2_gb_is_refused_without_unpacking(tmp_path, no_openpyxl):
    data = declare_size(
        workbook({"xl/worksheets/sheet1.xml": sheet(b"<row/>" * 1000)}), "xl/worksheets/sheet1.xml", 2 * 2**30
    )
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml").file_size == 2 * 2**30
    assert refused(data, tmp_path) == (
        "workbook refused: xl/worksheets/sheet1.xml would unpack to 2,048 MB, more than 50 MB per part"
    )


def test_a_header_understating_the_size_is_caught_while_reading(tmp_path, no_openpyxl):
    """The header says 1 KB; the data unpacks to 60 MB: reading stops at the declared size and fails."""
    big = sheet(b"<row/>" * (60 * 2**20 // 6))
    data = declare_size(workbook({"xl/worksheets/sheet1.xml": big}), "xl/worksheets/sheet1.xml", 1024)
    message = refused(data, tmp_path)
    assert message.startswith("not a readable .xlsx workbook (")


def test_shared_strings_counted_by_their_attributes(tmp_path, no_openpyxl):
    """The issue's file: a sharedStrings.xml declaring 10 M strings is refused before any is read."""
    data = workbook(
        {"xl/sharedStrings.xml": strings(b"<si><t>a</t></si>" * 10, ' count="10000000" uniqueCount="10000000"')}
    )
    assert refused(data, tmp_path) == (
        "workbook refused: xl/sharedStrings.xml declares 10,000,000 shared strings (uniqueCount), more than 1,000,000"
    )


def test_shared_strings_counted_by_their_items(no_openpyxl):
    data = workbook({"xl/sharedStrings.xml": strings(b"<si/>" * 1_000_001, ' uniqueCount="3"')})
    assert len(data) < 500_000
    assert refused(data) == (
        "workbook refused: it holds more than 1,000,000 shared strings; a scenario workbook needs far fewer"
    )


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param((b"<row><c><v>1</v></c><c><v>2</v></c></row>", 500_001), id="cells"),
        pytest.param((b'<row><c r="XFD1"><v>1</v></c></row>', 100), id="one cell per row at column XFD"),
        pytest.param((b'<row r="1"/><row r="1048576"/>', 1), id="a row at the bottom of the sheet"),
    ],
)
def test_cells_counted_as_openpyxl_would_build_them(no_openpyxl, rows):
    """openpyxl fills each row with blank cells up to its last one, and yields every blank row skipped."""
    data = workbook({"xl/worksheets/sheet1.xml": sheet(rows[0] * rows[1])})
    assert refused(data) == "workbook refused: it holds more than 1,000,000 cells; a scenario workbook needs far fewer"


def test_cells_of_all_sheets_add_up(no_openpyxl):
    half = sheet((b"<row>" + b"<c/>" * 1000 + b"</row>") * 501)  # 501,000 cells each
    data = workbook({"xl/worksheets/sheet1.xml": half, "xl/worksheets/sheet2.xml": half})
    assert "more than 1,000,000 cells" in refused(data)


def test_other_elements_are_bounded(tmp_path, no_openpyxl):
    styles = f'<styleSheet xmlns="{MAIN}"><cellXfs>'.encode() + b"<xf/>" * 200_001 + b"</cellXfs></styleSheet>"
    assert refused(workbook({"xl/styles.xml": styles}), tmp_path) == (
        "workbook refused: it holds more than 200,000 XML elements besides its cells and strings;"
        " a scenario workbook needs far fewer"
    )


def test_a_dtd_is_refused(tmp_path, no_openpyxl):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        + strings(b"<si><t>&b;</t></si>")[len(b'<?xml version="1.0"?>') :]
    )
    assert refused(workbook({"xl/sharedStrings.xml": laughs}), tmp_path) == (
        "workbook refused: xl/sharedStrings.xml declares a DTD (<!DOCTYPE …>), which no workbook part has"
    )


def test_broken_xml_is_named(tmp_path, no_openpyxl):
    message = refused(workbook({"xl/worksheets/sheet1.xml": b"<worksheet><sheetData>"}), tmp_path)
    assert message.startswith("not a readable .xlsx workbook (broken XML in xl/worksheets/sheet1.xml: ")


# ------------------------------------------------------------------------------------------------
# result workbooks: no sheet past Excel's rows


def test_a_results_workbook_past_excel_rows_is_refused_before_writing(tmp_path, monkeypatch, make_scenario):
    from fiscal_sim.io import excel_results

    results = {"a": fiscal_sim.simulate(make_scenario()), "b": fiscal_sim.simulate(make_scenario(years=[2021, 2023]))}
    comparison = fiscal_sim.compare(results, baseline="a")
    rows = excel_results.sheet_rows(results, comparison)
    # 3 towns × (2 + 3) years × 2 revenue items, and a header row
    assert rows["revenue"] == 31 and rows["towns"] == 16 and rows["summary"] == 3
    monkeypatch.setattr(excel_results, "EXCEL_MAX_ROWS", 30)
    target = tmp_path / "out" / "comparison.xlsx"
    with pytest.raises(ScenarioError) as refused_:
        excel_results.write_workbook(target, results, comparison, charts=False, lang="en")
    assert refused_.value.errors == {
        "_schema": [
            "too large for Excel: a sheet holds at most 30 rows and this workbook's would have more"
            " (revenue by item 31, differences by year 79); ask for fewer towns, years or scenarios"
        ]
    }
    assert not target.parent.exists()  # nothing written
