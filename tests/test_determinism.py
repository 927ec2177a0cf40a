"""Same input, same bytes: every render format, the fill-in form, summary.xlsx and the review workbook.

A rerun is simulated by moving the clock a year and a day forward between the two renders (time.time,
time.localtime — which also dates the temporary files openpyxl zips — and datetime.now), and by
rendering the other examples in between.  The zip normalisation itself is tested on hand-made archives.
"""
import datetime
import io
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from conftest import EXAMPLES, ROOT
from scoring.render.output import render_bytes
from scoring.render.zipfix import (CORE_XML, FIXED_DATE_TIME, GENERATOR, _rewrite, deterministic_zip,
                                   document_bytes, workbook_bytes)

NAMES = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
FAST = ("html", "md", "xlsx", "docx")
PDF_NAMES = ["shanxi-2023-xuncha-project.yaml", "hunan-2021-xuncha-scorecard.yaml", "sichuan-2021-xuncha-epidemic.yaml"]
LATER = 366 * 24 * 3600 + 3723  # a year, a day, an hour, two minutes and three seconds


def move_clock(monkeypatch, seconds: int = LATER) -> None:
    """From now on (until monkeypatch undoes it) every clock the libraries read runs `seconds` ahead."""
    real_time, real_localtime, real_gmtime = time.time, time.localtime, time.gmtime
    real_datetime = datetime.datetime

    def shifted(real):
        return lambda secs=None: real((real_time() if secs is None else secs) + seconds)

    class _Meta(type):
        def __instancecheck__(cls, obj):  # real datetimes still pass isinstance(x, datetime.datetime)
            return isinstance(obj, real_datetime)

    class Later(real_datetime, metaclass=_Meta):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + datetime.timedelta(seconds=seconds)

        @classmethod
        def utcnow(cls):
            return real_datetime.now(datetime.timezone.utc).replace(tzinfo=None) + datetime.timedelta(seconds=seconds)

        @classmethod
        def today(cls):
            return cls.now()

    monkeypatch.setattr(time, "time", lambda: real_time() + seconds)
    monkeypatch.setattr(time, "localtime", shifted(real_localtime))
    monkeypatch.setattr(time, "gmtime", shifted(real_gmtime))
    monkeypatch.setattr(datetime, "datetime", Later)


def test_moving_the_clock_is_seen_by_zipfile_and_openpyxl(monkeypatch):
    """The simulation itself: without the normalisation, a later save would differ."""
    from openpyxl import Workbook

    def raw_save():
        wb = Workbook()
        wb.active["A1"] = "表"
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    first = raw_save()
    with monkeypatch.context() as m:
        move_clock(m)
        later = raw_save()
    assert first != later
    with zipfile.ZipFile(io.BytesIO(first)) as a, zipfile.ZipFile(io.BytesIO(later)) as b:
        assert a.infolist()[0].date_time != b.infolist()[0].date_time
        assert a.read(CORE_XML) != b.read(CORE_XML)
    assert deterministic_zip(first) == deterministic_zip(later)  # entry dates and core.xml dates pinned


@pytest.fixture(scope="module")
def first_pass(pipeline):
    """Every example in every fast format, rendered once before any test moves the clock."""
    return {(name, fmt): render_bytes(pipeline.run(EXAMPLES / name), fmt) for name in NAMES for fmt in FAST}


@pytest.mark.parametrize("fmt", FAST)
@pytest.mark.parametrize("name", NAMES)
def test_render_is_byte_identical_on_a_later_run(name, fmt, first_pass, pipeline, monkeypatch):
    move_clock(monkeypatch)
    assert render_bytes(pipeline.run(EXAMPLES / name), fmt) == first_pass[(name, fmt)]


@pytest.mark.slow
def test_pdf_is_byte_identical_on_a_later_run(pipeline, monkeypatch):
    first = {name: render_bytes(pipeline.run(EXAMPLES / name), "pdf") for name in PDF_NAMES}
    move_clock(monkeypatch)
    for name in reversed(PDF_NAMES):  # the shared font configuration has seen the others in between
        assert render_bytes(pipeline.run(EXAMPLES / name), "pdf") == first[name], name


def test_office_files_carry_fixed_dates_and_jixiao_as_author(pipeline):
    import docx
    import openpyxl

    outcome = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    for fmt in ("xlsx", "docx"):
        data = render_bytes(outcome, fmt)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            assert zf.testzip() is None
            assert {i.date_time for i in zf.infolist()} == {FIXED_DATE_TIME}
            core = zf.read(CORE_XML).decode("utf-8")
        assert core.count("2000-01-01T00:00:00Z") == 2, core
    props = openpyxl.load_workbook(io.BytesIO(render_bytes(outcome, "xlsx"))).properties
    assert (props.creator, props.lastModifiedBy) == (GENERATOR, GENERATOR)
    assert props.created == props.modified == datetime.datetime(2000, 1, 1)
    core = docx.Document(io.BytesIO(render_bytes(outcome, "docx"))).core_properties
    assert (core.author, core.last_modified_by) == (GENERATOR, GENERATOR)
    assert core.created == core.modified == datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def test_html_names_its_generator(pipeline):
    html = render_bytes(pipeline.run(EXAMPLES / NAMES[0]), "html").decode("utf-8")
    assert '<meta name="generator" content="jixiao">' in html


def pdf_creator(data: bytes, tmp_path) -> str:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("Creator:"))


@pytest.mark.slow
def test_pdf_creator_is_jixiao_even_from_a_bureau_template_without_one(pipeline, tmp_path):
    outcome = pipeline.run(EXAMPLES / "shanxi-2023-xuncha-project.yaml")
    assert pdf_creator(render_bytes(outcome, "pdf"), tmp_path) == GENERATOR
    bureau = tmp_path / "templates"
    bureau.mkdir()
    (bureau / "report.html.j2").write_text("<html><body><p>{{ report.unit }}</p></body></html>", encoding="utf-8")
    assert pdf_creator(render_bytes(outcome, "pdf", bureau), tmp_path) == GENERATOR


# -- the other workbooks ------------------------------------------------------------------------

def twice(monkeypatch, make):
    first = make()
    with monkeypatch.context() as m:
        move_clock(m)
        later = make()
    return first, later


def test_fill_in_forms_are_byte_identical(pipeline, monkeypatch):
    from scoring.importers.form import form_bytes
    from scoring.sets import available_ids

    for set_id in available_ids():
        iset = pipeline.sets.get(set_id)[0]
        first, later = twice(monkeypatch, lambda: form_bytes(iset))
        assert first == later, set_id


def test_summary_workbook_is_byte_identical(pipeline, monkeypatch):
    from scoring.batch.record import record_from_outcome
    from scoring.batch.summary import Summary, project_row
    from scoring.batch.summary_render import summary_xlsx

    summary, rows = Summary(), []
    for name in NAMES:
        record = record_from_outcome(pipeline.run(EXAMPLES / name), name)
        summary.add(record)
        rows.append(project_row(record))
    first, later = twice(monkeypatch, lambda: summary_xlsx(summary, list(rows)))
    assert first == later


def test_review_workbook_is_byte_identical(monkeypatch):
    from scoring.review import render_xlsx, review_paths

    reviews = review_paths([EXAMPLES / name for name in NAMES])
    first, later = twice(monkeypatch, lambda: render_xlsx(reviews))
    assert first == later


def test_workbook_and_document_helpers_are_byte_identical(monkeypatch):
    from docx import Document
    from openpyxl import Workbook

    def book():
        wb = Workbook(write_only=True)  # write-only sheets are zipped from temporary files (their mtime)
        ws = wb.create_sheet("表")
        ws.append(["单位", 1])
        return workbook_bytes(wb)

    def document():
        doc = Document()
        doc.add_paragraph("绩效自评")
        return document_bytes(doc)

    for make in (book, document):
        first, later = twice(monkeypatch, make)
        assert first == later


# -- deterministic_zip ---------------------------------------------------------------------------

def sample_zip(*, stream: bool = False) -> bytes:
    """Entries of every kind the fast path must keep: deflated, stored, a non-ASCII name, core.xml, empty."""
    core = (b'<cp:coreProperties xmlns:cp="c" xmlns:dcterms="http://purl.org/dc/terms/">'
            b'<dcterms:created xsi:type="dcterms:W3CDTF">2026-05-06T07:08:09Z</dcterms:created>'
            b'<dcterms:modified xsi:type="dcterms:W3CDTF">2026-05-06T07:08:10Z</dcterms:modified></cp:coreProperties>')
    entries = [("[Content_Types].xml", b"<Types/>" * 50, zipfile.ZIP_DEFLATED),
               (CORE_XML, core, zipfile.ZIP_DEFLATED),
               ("xl/media/图片.bin", bytes(range(256)) * 4, zipfile.ZIP_STORED),
               ("empty.txt", b"", zipfile.ZIP_DEFLATED)]
    buffer = io.BytesIO()
    target = _Unseekable(buffer) if stream else buffer
    with zipfile.ZipFile(target, "w") as zf:
        for i, (name, data, method) in enumerate(entries):
            info = zipfile.ZipInfo(name, (2020 + i, 2, 3, 4, 5, 6))
            info.compress_type = method
            info.external_attr = 0o100755 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: entries get data descriptors (flag bit 3)."""

    def __init__(self, buffer):
        self.buffer = buffer

    def writable(self):
        return True

    def write(self, data):
        return self.buffer.write(data)

    def tell(self):
        return self.buffer.tell()


@pytest.mark.parametrize("stream", [False, True])
def test_deterministic_zip_keeps_entries_order_and_compression(stream):
    data = sample_zip(stream=stream)
    fixed = deterministic_zip(data)
    with zipfile.ZipFile(io.BytesIO(data)) as before, zipfile.ZipFile(io.BytesIO(fixed)) as after:
        assert after.testzip() is None
        old, new = before.infolist(), after.infolist()
        assert [i.filename for i in new] == [i.filename for i in old]
        assert [i.compress_type for i in new] == [i.compress_type for i in old]
        assert {i.date_time for i in new} == {FIXED_DATE_TIME}
        assert {i.external_attr for i in new} == {0o100644 << 16}
        assert not any(i.flag_bits & 0x8 for i in new)
        for info in old:
            if info.filename != CORE_XML:
                assert after.read(info.filename) == before.read(info)
        core = after.read(CORE_XML)
        assert b">2000-01-01T00:00:00Z</dcterms:created>" in core and b">2000-01-01T00:00:00Z</dcterms:modified>" in core
    assert deterministic_zip(fixed) == fixed
    assert _rewrite(data) == fixed  # the slow path (zipfile, inflate and deflate) agrees byte for byte


def test_deterministic_zip_copies_compressed_bytes():
    """Cheap because nothing is inflated and deflated again (but core.xml): an entry compressed at
    another level than zipfile's default comes out with the very same compressed bytes."""
    payload = "。".join(f"第{i}行 办公设备购置数量 ≥11台" for i in range(2000)).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", payload)
    data = buffer.getvalue()
    fixed = deterministic_zip(data)
    with zipfile.ZipFile(io.BytesIO(data)) as before, zipfile.ZipFile(io.BytesIO(fixed)) as after:
        old, new = before.infolist()[0], after.infolist()[0]
        assert new.compress_size == old.compress_size and after.read(new) == payload
    assert _rewrite(data) != fixed  # the slow path recompresses at the default level


# -- across processes: string hashing differs, output must not ---------------------------------

DIGESTS = r"""
import hashlib, json, sys
sys.path.insert(0, sys.argv[1])
from scoring.pipeline import Pipeline
from scoring.render.output import render_bytes
from scoring.importers.form import form_bytes
from scoring.review import render_xlsx, review_paths
pipeline = Pipeline()
out = {}
for name in sys.argv[2:]:
    outcome = pipeline.run(name)
    for fmt in ("html", "md", "xlsx", "docx", "pdf"):
        out[f"{name} {fmt}"] = hashlib.sha256(render_bytes(outcome, fmt)).hexdigest()
out["form"] = hashlib.sha256(form_bytes(pipeline.sets.get("hubei-project")[0])).hexdigest()
out["review"] = hashlib.sha256(render_xlsx(review_paths(sys.argv[2:]))).hexdigest()
print(json.dumps(out))
"""


@pytest.mark.slow
def test_output_does_not_depend_on_the_hash_seed():
    names = [str(EXAMPLES / n) for n in ("hubei-2020-office-department.yaml", "sichuan-2021-xuncha-inspection.yaml")]
    runs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-c", DIGESTS, str(ROOT), *names], capture_output=True, text=True,
                              env=env, check=True)
        runs.append(json.loads(proc.stdout))
    assert runs[0] == runs[1]
