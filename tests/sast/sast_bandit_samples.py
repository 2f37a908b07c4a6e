"""Code that exercises many of bandit's own tests and every form of `# nosec` bandit knows."""

from __future__ import annotations

SAMPLES: dict[str, str] = {
    "proc.py": (
        "import os\nimport subprocess\n"
        'subprocess.Popen("ls -l", shell=True)\n'
        'subprocess.call(["ls", "-l"])\n'
        'subprocess.run("ls", shell=True)  # nosec\n'
        'subprocess.run("ls", shell=True)  # nosec B602\n'
        'subprocess.run("ls", shell=True)  # nosec B101\n'
        'subprocess.run("ls", shell=True)  # nosec: B602, B607\n'
        'subprocess.run("ls", shell=True)  #nosec subprocess_popen_with_shell_equals_true\n'
        'subprocess.run("ls", shell=True)  # nosec B602 -- constant command, no user input\n'
        'subprocess.run(\n    "ls",\n    shell=True,  # nosec B602\n)\n'
        'subprocess.run(  # nosec B602\n    "ls",\n    shell=True,\n)\n'
        'x = "# nosec"; subprocess.run("ls", shell=True)\n'
        'os.system("rm -rf /tmp/x")\n'
        'os.popen("ls")\n'
    ),
    "evil.py": (
        "import hashlib\nimport marshal\nimport pickle\nimport tempfile\nimport yaml\n"
        "def load(data, text):\n"
        "    eval(text)\n    exec(text)\n"
        "    pickle.loads(data)\n    marshal.loads(data)\n"
        "    yaml.load(text)\n    hashlib.md5(data)\n"
        "    tempfile.mktemp()\n"
        '    open("/tmp/cache.txt", "w")\n'
        "    assert data  # nosec assert_used\n"
        "    assert text\n"
    ),
    "secrets_in_code.py": (
        'password = "Sup3r-Secret-Value"\n'
        'def connect(user, password="default-pass"):\n    return user\n'
        'connect("u", password="inline-pass")\n'
        'query = "SELECT * FROM users WHERE id = %s" % user_id\n'
        'query2 = f"DELETE FROM payments WHERE id = {pid}"\n'
    ),
    "net.py": (
        "import os\nimport ssl\nimport requests\nimport telnetlib\nimport ftplib\nimport urllib.request\n"
        'requests.get("https://psp.example")\n'
        'requests.post("https://psp.example", verify=False, timeout=5)\n'
        "ssl.wrap_socket(sock, ssl_version=ssl.PROTOCOL_SSLv3)\n"
        "ctx = ssl._create_unverified_context()\n"
        's.bind(("0.0.0.0", 8080))\n'
        'os.chmod("/etc/app.conf", 0o777)\n'
        "urllib.request.urlopen(url)\n"
    ),
    "web.py": (
        "import jinja2\nfrom flask import Flask\nfrom django.utils.safestring import mark_safe\n"
        "app = Flask(__name__)\n"
        "env = jinja2.Environment(autoescape=False)\n"
        "def page(x):\n    return mark_safe(x)\n"
        'if __name__ == "__main__":\n    app.run(debug=True)\n'
    ),
    "control.py": (
        "import random\n"
        "def f(items):\n"
        "    for i in items:\n"
        "        try:\n            i()\n        except Exception:\n            continue\n"
        "    try:\n        items.pop()\n    except Exception:\n        pass\n"
        "    return random.random()\n"
    ),
    "xmlstuff.py": (
        "import xml.etree.ElementTree as ET\nfrom lxml import etree\n"
        "def parse(s):\n    return ET.fromstring(s), etree.fromstring(s)\n"
    ),
    "payments.py": (
        "import logging\nimport random\nimport requests\n"
        "log = logging.getLogger(__name__)\n"
        "def pay(card_number, cvv, amount_str, signature, expected):\n"
        '    log.info("paying with %s", card_number)\n'
        '    log.info("paying with %s", card_number)  # nosec B903\n'
        '    log.info("paying with %s", card_number)  # nosec card_data_in_log_or_error\n'
        "    amount = float(amount_str)\n"
        "    fee = round(amount * 0.029, 2)  # nosec\n"
        "    otp = random.randint(0, 999999)\n"
        "    s = requests.Session()\n    s.verify = False\n"
        "    return signature == expected\n"
        "def stripe_webhook(request):\n    return request.json\n"
    ),
    "gui.pyw": 'import subprocess\nsubprocess.call("notepad", shell=True)\n',
    "pkg/__init__.py": "",
    "pkg/deep/mod.py": "import pickle\nassert pickle\n",
    "broken.py": "def f(:\n    return 1\n",
    "notes.txt": "eval(x)  # not python\n",
}

BROKEN = {"broken.py"}
