"""PII detectors: pure functions over text that only declare what they look for.

`scan_text(text, options)` runs them all and yields `Hit`s; the `pii` check turns hits into
findings, and the `audit-log` check runs the same detectors over log records. Rules:

| rule | detector | module |
|---|---|---|
| CG-PII-PAN, CG-PII-PAN-TEST | `pan` | `cards` |
| CG-PII-IBAN, CG-PII-IBAN-TEST | `iban` | `iban` |
| CG-PII-SSN | `ssn` | `ssn` |
| CG-PII-EMAIL, CG-PII-PHONE | `email`, `phone` | `contact` |
| CG-PII-FIELD, CG-PII-SAD, CG-PII-LOG | `sensitive-field` | `fields` |

Each module's docstring documents its rules: what they find, why it matters, an example and what
to do instead. Test values (network test cards, documentation IBANs) live in `testvalues`.
"""

from compliance_gate.pii.hit import ALL_DETECTORS, DetectorOptions, Hit, ScanOptions
from compliance_gate.pii.scan import scan_text
from compliance_gate.pii.testvalues import TEST_VALUES_VERSION

__all__ = ["ALL_DETECTORS", "TEST_VALUES_VERSION", "DetectorOptions", "Hit", "ScanOptions", "scan_text"]
