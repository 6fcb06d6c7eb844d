"""Password and signing-PIN rules (OWASP ASVS V2.1): long enough, not the username, not common or guessable."""
from __future__ import annotations

import string

from flask_babel import lazy_gettext as _l

PASSWORD_MIN = 12
PASSWORD_MAX = 128
PIN_LENGTH = 6

# Lower-cased; a password is refused when it is one of these, or one of them with digits or signs around it.
COMMON_PASSWORDS = frozenset("""
password passw0rd p@ssword p@ssw0rd pass passwd password1 qwerty qwertyuiop qwerty123 asdfghjkl zxcvbnm
1q2w3e4r 1qaz2wsx 1qaz2wsx3edc qazwsx qazwsxedc zaq12wsx abc abcd abcdef abc123 aa123456 a123456 a1b2c3
admin administrator root user guest test tester demo default changeme welcome welcome1 hello letmein login
iloveyou loveyou love monkey dragon master shadow sunshine princess football baseball superman batman
trustno1 whatever freedom secret starwars computer internet
woaini woaini1314 wo520 5201314 1314520 520520 woaiwojia woainima aini1314 zhang wang li liu chen
qq123456 qq qqqq baidu taobao weixin wechat alipay china beijing shanghai shenzhen guangzhou
patrol patroller xuncha baoan wuye supervisor maintenance security estate property
""".split())

# Straight runs on the keyboard or in the alphabet; a password inside one of them (either way) is a walk.
WALKS = (
    "01234567890123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
)

COMMON_PINS = frozenset({"123123", "112233", "123321", "147258", "258369", "159753", "168168", "520520", "521521",
                         "741852", "789456", "456789", "131313", "202020", "101010", "520131"})


def _is_walk(text: str) -> bool:
    return any(text in walk or text in walk[::-1] for walk in WALKS)


def _core(lowered: str) -> str:
    """The word in the middle: 'Password2024!' → 'password'."""
    return lowered.strip(string.digits + string.punctuation + " ")


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password may not be used (a translated message), or None when it may."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return _l("Passwords need %(min)d to %(max)d characters.", min=PASSWORD_MIN, max=PASSWORD_MAX)
    lowered = password.lower()
    name = username.strip().lower()
    if len(name) >= 3 and (name in lowered or name[::-1] in lowered):
        return _l("The password must not contain the username.")
    core = _core(lowered)
    if (lowered in COMMON_PASSWORDS or core in COMMON_PASSWORDS or len(set(lowered)) < 5
            or _is_walk(lowered) or (core and _is_walk(core) and len(core) >= 6)):
        return _l("This password is too common or too easy to guess. Try a few unrelated words.")
    return None


def _guessable_pin(pin: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:])}
    return len(set(pin)) < 3 or steps in ({1}, {9}) or pin[:3] == pin[3:] or pin in COMMON_PINS


def pin_problem(pin: str) -> str | None:
    """Why this signing PIN may not be used, or None: 6 digits, not one digit repeated, not a run, not a common PIN."""
    if len(pin) == PIN_LENGTH and pin.isascii() and pin.isdigit() and not _guessable_pin(pin):
        return None
    return _l("Choose 6 digits that are not easy to guess (not 123456 or 000000).")
