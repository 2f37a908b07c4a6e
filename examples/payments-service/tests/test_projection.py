from payments.projection import project_status


def test_captured_payment_is_succeeded():
    events = [{"type": "payment.created"}, {"type": "payment.authorized"}, {"type": "payment.captured"}]
    assert project_status(events) == "succeeded"


def test_test_card_fixture_is_accepted():
    # Network test card (Visa); test values are expected under tests/.
    card = "4242424242424242"
    assert len(card) == 16
