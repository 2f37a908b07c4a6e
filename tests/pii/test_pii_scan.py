"""`scan_text` as a whole: positions, order, detector selection and what a hit may show."""

from __future__ import annotations

from piiutil import make_iban, make_pan, make_ssn

from compliance_gate.pii import ScanOptions, scan_text

PAN = make_pan("51", 16)
IBAN = make_iban("DE", "500105175407324931")
SSN = make_ssn(536, 22, 8174)

SAMPLE = (
    "# payments fixture\n"
    f"card = '{PAN}'\n"
    f"    iban = '{IBAN}'  # İstanbul branch\n"
    f"ssn: {SSN}\n"
    "contact = 'jane.doe@gmail.com'\n"
)


def test_lines_and_columns_are_one_based_and_exact() -> None:
    """Each hit points at the first character of its value, on its own line."""
    found = [(h.rule, h.line, h.column) for h in scan_text(SAMPLE)]
    assert found == [
        ("CG-PII-PAN", 2, 9),
        ("CG-PII-FIELD", 3, 5),
        ("CG-PII-IBAN", 3, 13),
        ("CG-PII-FIELD", 4, 1),
        ("CG-PII-SSN", 4, 6),
        ("CG-PII-EMAIL", 5, 12),
    ]


def test_non_ascii_text_keeps_offsets() -> None:
    """A letter whose lower case is two characters long does not shift later columns."""
    text = 'cache.set("İİİ", cvv)\n' + f"x = '{PAN}'"
    assert [(h.rule, h.line, h.column) for h in scan_text(text)] == [("CG-PII-SAD", 1, 18), ("CG-PII-PAN", 2, 6)]


def test_detectors_can_be_selected() -> None:
    """Only the named detectors run."""
    assert {h.rule for h in scan_text(SAMPLE, ScanOptions(detectors=("iban", "email")))} == {
        "CG-PII-IBAN", "CG-PII-EMAIL",
    }  # fmt: skip


def test_hits_never_show_the_raw_value() -> None:
    """Excerpts, classifications and the repr of a hit hold no raw PAN, IBAN or SSN."""
    raw = (PAN, IBAN, SSN, SSN.replace("-", ""), "jane.doe")
    for hit in scan_text(SAMPLE):
        shown = f"{hit!r} {hit.excerpt} {hit.classification}"
        assert not any(value in shown for value in raw), hit.rule


def test_empty_and_binary_looking_text() -> None:
    """Empty text and NUL-laden text yield nothing and do not fail."""
    assert list(scan_text("")) == []
    assert list(scan_text("\x00" * 100 + "\udcff")) == []
