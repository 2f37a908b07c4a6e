"""Sensitive field names: where they are stored, where they are logged, and look-alikes."""

from __future__ import annotations

import pytest
from piiutil import hits

FIELD = "CG-PII-FIELD"
SAD = "CG-PII-SAD"
LOG = "CG-PII-LOG"

CORPUS: list[tuple[str, str, list[tuple[str, str]]]] = [
    # stored: assignments, keys, annotations, struct fields, columns
    ("assignment", "card_number = request.POST['x']", [(FIELD, "card_number")]),
    ("attribute", "self.pan = value", [(FIELD, "pan")]),
    ("keyword argument", "Payment(card_number=value)", [(FIELD, "card_number")]),
    ("typescript field", "  cardNumber: string;", [(FIELD, "card_number")]),
    ("typescript optional", "  cardNumber?: string;", [(FIELD, "card_number")]),
    ("python annotation", "    pan: str", [(FIELD, "pan")]),
    ("parameter annotation", "def charge(amount: int, card_number: str):", [(FIELD, "card_number")]),
    ("go struct field", "\tCardNumber string", [(FIELD, "card_number")]),
    ("json key", '{"card_number": number}', [(FIELD, "card_number")]),
    ("yaml key", "iban: x", [(FIELD, "iban")]),
    ("yaml list item", "- card_number: x", [(FIELD, "card_number")]),
    ("subscript key", "x = form['ssn']", [(FIELD, "ssn")]),
    ("prefix words", "customer_card_number = x", [(FIELD, "card_number")]),
    ("camel prefix", "userCardNumber = x", [(FIELD, "card_number")]),
    ("upper snake", "PRIMARY_ACCOUNT_NUMBER = x", [(FIELD, "pan")]),
    ("kebab yaml", "card-number: x", [(FIELD, "card_number")]),
    ("bare pin is a field", "pin = x", [(FIELD, "pin")]),
    ("social security number", "social_security_number = x", [(FIELD, "ssn")]),
    ("iban key", "iban: x", [(FIELD, "iban")]),
    ("sql columns", "CREATE TABLE cards (pan VARCHAR(19), cvv CHAR(4))", [(FIELD, "pan"), (SAD, "cvv")]),
    ("django model", "    card_number = models.CharField(max_length=19)", [(FIELD, "card_number")]),
    # SAD where it is persisted: model fields, migrations, ORM writes, SQL, cache/session, files
    ("django model field", "    cvv = models.CharField(max_length=4)", [(SAD, "cvv")]),
    ("track data model field", "    track2_data = models.TextField()", [(SAD, "track_data")]),
    ("pin block column", "    pin_block = Column(String(16))", [(SAD, "pin")]),
    ("sqlalchemy mapped", "    card_cvv: Mapped[str] = mapped_column()", [(SAD, "cvv")]),
    ("bare field in a model", "class Card(Model):\n    card_cid = CharField()", [(SAD, "cvv")]),
    ("peewee model field", "class Card(BaseModel):\n    card_cvv = CharField()", [(SAD, "cvv")]),
    ("migration add field", 'migrations.AddField(\n    model_name="card",\n    name="card_cvv",\n)', [(SAD, "cvv")]),
    ("migration create model", '        ("ccv", models.CharField(max_length=4)),', [(SAD, "cvv")]),
    ("orm create", "Card.objects.create(token=t, card_security_code=code)", [(SAD, "cvv")]),
    ("orm update", "Card.objects.filter(id=1).update(\n    cvc=value,\n)", [(SAD, "cvv")]),
    ("attribute saved below", "card.cvv = value\ncard.token = t\ncard.save()", [(SAD, "cvv")]),
    ("session write", 'request.session["card_cvc"] = form.cleaned_data["cvc"]', [(SAD, "cvv")]),
    ("cache write", 'cache.set("cvv:" + order_id, cvv2)', [(SAD, "cvv")]),
    ("file write", "json.dump({'cvv': cvv}, fh)", [(SAD, "cvv")]),
    ("sql insert", 'cur.execute("INSERT INTO cards (token, cvv) VALUES (%s, %s)", row)', [(SAD, "cvv")]),
    ("one finding per line", "Card.objects.create(cvv=cvv, cvc2=cvc2)", [(SAD, "cvv")]),
    # SAD declared, typed, validated or forwarded: not stored
    ("attribute not saved", "self.cvv = value", []),
    ("forwarded to the provider", 'credit_card["cvv2"] = extra_data["cvv2"]', []),
    ("sdk request type", "    cvc: NotRequired[str]", []),
    ("typescript request field", "  cvc?: string;", []),
    ("form field", "class CardForm(forms.Form):\n    cvv = CharField()", []),
    ("bankcard form field", "    ccv = BankcardCCVField()", []),
    ("data file key", "cvv2: 123", []),
    ("result code", '"cvcResult": "1 Matches",', []),
    ("failure flag", "    cvc_failure: bool", []),
    ("check result on a model", "    cvc_check = models.CharField(max_length=16)", []),
    ("generated binding", "track1 = property(__track1.value, __track1.set, None, None)", []),
    ("published sandbox cvv", "Card.objects.create(cvv='737')", []),
    ("tax id named pan", '"pan": "AAAPA1234A",', []),
    # logged
    ("percent argument", 'log.info("charged %s", card_number)', [(LOG, "card_number")]),
    ("f-string", 'logger.debug(f"cvv={cvv}")', [(LOG, "cvv")]),
    ("structlog keyword", 'log.info("paid", pan=pan)', [(LOG, "pan")]),
    ("print", "print(track2)", [(LOG, "track_data")]),
    ("console template", "console.log(`card ${cardNumber}`)", [(LOG, "card_number")]),
    ("self logger", 'self.logger.warning("bad %s", self.cvv)', [(LOG, "cvv")]),
    ("multi-line call", 'logger.info(\n    "x %s",\n    card_number,\n)', [(LOG, "card_number")]),
    # negatives: safe names
    ("masked pan", "masked_pan = mask(pan)", []),
    ("last four", "card_number_last4 = x", []),
    ("hash", "pan_hash = h", []),
    ("tokenized", "tokenized_pan = t", []),
    ("validity flag", "is_valid_cvv = True", []),
    ("encrypted", "encrypted_card_number = e", []),
    ("regex", "ssn_expr = compile(x)", []),
    # negatives: other words
    ("span", "span = 1", []),
    ("mapping", "mapping = {}", []),
    ("company", "company_id = 3", []),
    ("shipping", "shipping: yes", []),
    ("decide", "decide = 1", []),
    ("panel", "panel = 2", []),
    ("gpio pin", "gpio_pin = 4", []),
    ("pan and zoom", "pan_zoom = 1", []),
    ("request cid", "request_cid = 2", []),
    ("bare cid", "cid = 7", []),
    ("2fa security code", "security_code = 1", []),
    # negatives: not stored, not logged
    ("log message words", 'log.info("cvv missing")', []),
    ("masked log argument", 'log.info("paid", pan=mask_pan(pan))', []),
    ("name in log message", 'log.info("card_number: %s", last4)', []),
    ("comparison", "if card_number == x:", []),
    ("use", "validate(card_number)", []),
    ("error message", 'raise ValueError("invalid card_number: expected digits")', []),
    ("list of names", 'aliases = ["pan"]', []),
    ("closed log call", 'log.info("x"); card_number_len(y)', []),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in CORPUS], ids=[c[0] for c in CORPUS])
def test_field_corpus(text: str, expected: list[tuple[str, str]]) -> None:
    """Each corpus line yields exactly the expected field, SAD and logging findings."""
    assert hits(text, "sensitive-field") == expected


def test_one_logging_finding_per_name_and_call() -> None:
    """A name used twice in one call (`pan=pan`) is reported once."""
    assert hits('log.info("paid", pan=pan, other=pan)', "sensitive-field") == [(LOG, "pan")]
