"""The payment rules' corpus: (case id, code, the B9xx ids it must raise). Empty set = negative."""

from __future__ import annotations

CASES: list[tuple[str, str, set[str]]] = [
    # B901 money_held_in_float
    ("float-of-amount", 'amount = float(request.POST["amount"])\n', {"B901"}),
    ("float-literal-fee", "fee = 0.30\n", {"B901"}),
    ("float-kwarg", 'charge(amount=12.5, currency="EUR")\n', {"B901"}),
    ("annotated-price", "price: float = 9.99\n", {"B901"}),
    ("float-param", "def refund(order, amount: float):\n    return order\n", {"B901"}),
    ("dataclass-field", "class Payment:\n    amount: float\n", {"B901"}),
    ("balance-from-str", "balance = float(balance_str)\n", {"B901"}),
    (
        "weak-total-accumulating-prices",
        "def f(items):\n    total = 0.0\n    for i in items:\n        total += i.price\n    return total\n",
        {"B901"},
    ),
    ("weak-total-latency", "def f(samples):\n    total = 0.0\n    for s in samples:\n        total += s\n", set()),
    ("weak-annotation", "def update(completed: float, total: float = 100.0):\n    pass\n", set()),
    ("decimal-amount", 'amount = Decimal(request.POST["amount"])\n', set()),
    ("fee-rate", "fee_rate = 0.029\n", set()),
    ("elapsed", "elapsed = float(end - start)\n", set()),
    ("total-seconds", "total_seconds = 0.0\n", set()),
    ("minor-units", "amount_cents: int = 1050\n", set()),
    ("price-id", 'price_id = "price_123"\n', set()),
    ("timeout", "timeout = 2.5\n", set()),
    ("decimal-param", "def pay(amount: Decimal):\n    return amount\n", set()),
    ("percent", "percent = float(x)\n", set()),
    # B902 money_rounded_with_round
    ("round-amount", "vat = round(amount * 1.2, 2)\n", {"B902"}),
    ("round-sum-prices", "t = round(sum(i.price for i in items), 2)\n", {"B902"}),
    ("floor-fee", "import math\nx = math.floor(fee)\n", {"B902"}),
    ("numpy-round", "import numpy as np\nx = np.round(total_amount, 2)\n", {"B902"}),
    ("round-ratio", "r = round(ratio * 100, 1)\n", set()),
    ("round-elapsed", "r = round(elapsed, 3)\n", set()),
    ("quantize", 'x = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)\n', set()),
    ("round-latency", "r = round(latency_ms)\n", set()),
    # B903 card_data_in_log_or_error
    ("log-card-number", 'logger.info("charging %s", card_number)\n', {"B903"}),
    ("log-fstring-card-attr", 'logging.error(f"declined {card.number}")\n', {"B903"}),
    ("log-payload-card", 'log.debug("payload", extra={"data": payload["card"]["number"]})\n', {"B903"}),
    ("raise-cvv", 'raise ValueError(f"invalid cvv {cvv}")\n', {"B903"}),
    ("print-pan", 'print("PAN", pan)\n', {"B903"}),
    ("log-pan-literal", 'logger.warning("card 4111 1111 1111 1111 failed")\n', {"B903"}),
    ("structlog-kw", 'structlog.get_logger().info("auth", pan=pan)\n', {"B903"}),
    ("self-logger-track", 'self.logger.info("track %s", track2)\n', {"B903"}),
    ("log-masked", 'logger.info("charging %s", mask_pan(card_number))\n', set()),
    ("log-last4", 'logger.info("card %s", card.last4)\n', set()),
    ("log-bool", 'logger.info("pan present: %s", bool(pan))\n', set()),
    ("raise-plain", 'raise ValueError("invalid cvv")\n', set()),
    ("log-order", 'logger.info("order %s", order_id)\n', set()),
    ("log-panel", 'logger.info("panel opened %s", panel)\n', set()),
    ("log-epoch-ms", 'logger.info("ts 1700000000000")\n', set()),
    ("log-token", 'logger.info("token %s", card.token)\n', set()),
    ("validate-not-log", "validate(card_number)\n", set()),
    ("raise-last4-slice", 'raise CardDeclined("card ending %s" % card_number[-4:])\n', set()),
    ("log-first6-slice", 'logger.info("bin %s", pan[:6])\n', set()),
    ("log-long-slice", 'logger.info("most of it %s", pan[:12])\n', {"B903"}),
    ("log-pan-service", 'logger.info("lookup %s", self.pan_service.lookup(order_id))\n', set()),
    # B904 insecure_random_for_secret
    ("otp-choice", 'import random, string\notp = "".join(random.choice(string.digits) for _ in range(6))\n', {"B904"}),
    ("idempotency-header", 'import random\nheaders["Idempotency-Key"] = str(random.getrandbits(64))\n', {"B904"}),
    (
        "token-maker",
        'import random\ndef generate_reset_token():\n    return "%030x" % random.randrange(16**30)\n',
        {"B904"},
    ),
    ("idempotency-kwarg", "import random\nPayment.create(idempotency_key=str(random.random()))\n", {"B904"}),
    ("from-import", "from random import randint\nverification_code = randint(100000, 999999)\n", {"B904"}),
    ("salt", "import random\nsalt = random.randbytes(16)\n", {"B904"}),
    ("secrets-otp", 'import secrets, string\notp = "".join(secrets.choice(string.digits) for _ in range(6))\n', set()),
    ("jitter", "import random\ndelay = random.uniform(0.1, 0.5)\n", set()),
    ("sample", "import random\nsample = random.sample(population, 10)\n", set()),
    ("secrets-token", "import secrets\ntoken = secrets.token_urlsafe(32)\n", set()),
    ("system-random", "import random\ntoken = random.SystemRandom().choice(alphabet)\n", set()),
    ("shuffle-tokens", "import random\ndef shuffle_tokens(tokens):\n    random.shuffle(tokens)\n", set()),
    # B905 secret_compared_with_eq
    ("expected-vs-header", 'if expected == request.headers["X-Signature"]:\n    pass\n', {"B905"}),
    ("hexdigest-ne", "if hmac.new(key, body, hashlib.sha256).hexdigest() != sig:\n    pass\n", {"B905"}),
    ("token-eq", "ok = token == stored_token\n", {"B905"}),
    ("password-eq", "if user.password == password:\n    pass\n", {"B905"}),
    ("api-key", "valid = api_key == settings.API_KEY\n", {"B905"}),
    ("computed-signature", "if computed_signature == signature:\n    pass\n", {"B905"}),
    ("compute-signature-call", "if compute_signature(body) == received:\n    pass\n", {"B905"}),
    ("lexer-token-literal", 'if token == "@":\n    pass\n', set()),
    ("secret-first-char", 'if secret[0] == "{":\n    pass\n', set()),
    ("eq-method", "class Auth:\n    def __eq__(self, other):\n        return self.password == other.password\n", set()),
    ("constant-marker", "if packet_type == PACKET_TYPE_SIGNATURE:\n    pass\n", set()),
    ("nonce", "if nonce == last_nonce:\n    pass\n", set()),
    ("is-token-flag", "ok = opt.is_token == path.is_token\n", set()),
    ("inspect-signature-prefix", "ok = udf_signature[:3] != expected_args\n", set()),
    ("compare-digest", "if hmac.compare_digest(expected, received):\n    pass\n", set()),
    ("is-none", "if token is None:\n    pass\n", set()),
    ("empty", 'if token == "":\n    pass\n', set()),
    ("token-type", 'if token_type == "bearer":\n    pass\n', set()),
    ("len-sig", "if len(signature) == 64:\n    pass\n", set()),
    ("status", 'if status == "paid":\n    pass\n', set()),
    # B906 webhook_without_signature_check
    (
        "route-webhook",
        '@app.post("/stripe/webhook")\ndef stripe_webhook(request):\n'
        "    event = json.loads(request.body)\n    return event\n",
        {"B906"},
    ),
    (
        "construct-from",
        "def handle_webhook(request):\n"
        "    event = stripe.Event.construct_from(json.loads(request.body), stripe.api_key)\n    return event\n",
        {"B906"},
    ),
    (
        "class-view",
        "class AdyenWebhookView(View):\n    def post(self, request):\n        return json.loads(request.body)\n",
        {"B906"},
    ),
    ("async-handler", "async def paypal_webhook_handler(request):\n    return await request.json()\n", {"B906"}),
    (
        "construct-event",
        "def stripe_webhook(request):\n    return stripe.Webhook.construct_event(\n"
        '        request.body, request.headers["Stripe-Signature"], SECRET)\n',
        set(),
    ),
    ("verify-call", "def handle_webhook(request):\n    verify_signature(request)\n    return 1\n", set()),
    ("verify-decorator", "@verify_hmac\ndef webhook(request):\n    return 1\n", set()),
    ("create-webhook", "def create_webhook(url):\n    return client.webhooks.create(url=url)\n", set()),
    ("test-function", "def test_stripe_webhook(client):\n    client.post('/webhook')\n", set()),
    (
        "manual-hmac",
        "def handle_webhook(request):\n    expected = hmac.new(KEY, request.body, 'sha256').hexdigest()\n"
        "    if not hmac.compare_digest(expected, request.headers['X-Sig']):\n        abort(400)\n",
        set(),
    ),
    # B907 tls_verification_disabled
    ("session-verify", "session.verify = False\n", {"B907"}),
    ("aiohttp-ssl", "import aiohttp\nc = aiohttp.TCPConnector(ssl=False)\n", {"B907"}),
    ("cert-none-str", 'import urllib3\nhttp = urllib3.PoolManager(cert_reqs="CERT_NONE")\n', {"B907"}),
    ("check-hostname", "ctx.check_hostname = False\n", {"B907"}),
    ("verify-mode", "import ssl\nctx.verify_mode = ssl.CERT_NONE\n", {"B907"}),
    ("global-unverified", "import ssl\nssl._create_default_https_context = ssl._create_unverified_context\n", {"B907"}),
    ("session-post", "session.post(url, json=body, verify=False)\n", {"B907"}),
    ("stripe-global", "stripe.verify_ssl_certs = False\n", {"B907"}),
    ("env-var", 'import os\nos.environ["PYTHONHTTPSVERIFY"] = "0"\n', {"B907"}),
    ("client-get", "resp = client.get(url, verify=False)\n", {"B907"}),
    ("dataframe-take", "new = mgr.take(indexer, axis=1, verify=False)\n", set()),
    ("requests-get-left-to-b501", "import requests\nrequests.get(url, verify=False)\n", set()),
    ("ca-bundle", 'session.verify = "/etc/ssl/psp-ca.pem"\n', set()),
    ("httpx-verify-true", "import httpx\nc = httpx.Client(verify=True)\n", set()),
    ("check-hostname-true", "ctx.check_hostname = True\n", set()),
    ("cert-required", "import ssl\nctx.verify_mode = ssl.CERT_REQUIRED\n", set()),
    ("bare-flag", "verify = False\n", set()),
    # issue 13: precise on real payment code
    (
        "tls-through-variable",
        "import requests\ndef f(url):\n    verify = False\n    return requests.get(url, verify=verify)\n",
        {"B907"},
    ),
    (
        "cert-none-through-variable",
        "import ssl, urllib3\ndef f():\n    cert_reqs = ssl.CERT_NONE\n"
        "    return urllib3.PoolManager(cert_reqs=cert_reqs)\n",
        {"B907"},
    ),
    (
        "payload-logged-whole",
        "import logging\nlog = logging.getLogger()\ndef poll(self, p):\n"
        "    data = self.client.payment().search({'ref': p.ref})\n    log.info('found %s', data)\n",
        {"B903"},
    ),
    (
        "amount-from-provider-logged",
        "import logging\nlog = logging.getLogger()\ndef refund(self, provider, amount):\n"
        "    amount = provider.refund(self, amount)\n    log.error('refund %s', amount)\n",
        set(),
    ),
    (
        "digest-function-compared",
        "import hashlib\nclass P:\n    def token(self, p):\n        return hashlib.md5(p.key.encode()).hexdigest()\n"
        "    def callback(self, p, data):\n        if data['custom'] != self.token(p):\n            raise ValueError\n",
        {"B905"},
    ),
    (
        "enum-member-compared",
        "def f(mode):\n    return mode == WebhookEndpointValidation.verify_signature\n",
        set(),
    ),
    (
        "sdk-webhooks-accessor",
        "class Client:\n    def webhooks(self):\n        return WebhooksApi(self)\n",
        set(),
    ),
    (
        "webhook-verified-by-sdk",
        "import stripe\ndef stripe_webhook(request):\n"
        "    event = stripe.Webhook.construct_event(request.body, request.headers['Stripe-Signature'], SECRET)\n"
        "    return handle(event)\n",
        set(),
    ),
]
