"""Password and signing-PIN rules: long enough, not the username, not common, not a walk or a run."""
from __future__ import annotations

import pytest

from app.auth.passwords import PASSWORD_MAX, password_problem, pin_problem


@pytest.mark.parametrize("password", [
    "correct horse battery", "long-enough-1", "雨后的楼梯间灯还亮着吗今天", "Tz8#kq2!vLm0", "x" * 3 + "bcdefgh" + "ij9!",
])
def test_long_varied_passwords_are_accepted(password):
    assert password_problem(password, "zhangwei") is None


@pytest.mark.parametrize("password, username", [
    ("short-pass", "zhangwei"),                 # under 12 characters
    ("x" * (PASSWORD_MAX + 1), "zhangwei"),     # over the maximum
    ("zhangwei-2024!", "zhangwei"),             # holds the username
    ("my-ZHANGWEI-pass", "zhangwei"),           # in any case
    ("iewgnahz-rooftop", "zhangwei"),           # or reversed
    ("password1234", "zhangwei"),               # common word with digits
    ("Password2024!", "zhangwei"),
    ("!!woaini1314!!", "zhangwei"),
    ("qwertyuiopas", "zhangwei"),               # keyboard walk
    ("1qaz2wsx3edc", "zhangwei"),
    ("123456789012", "zhangwei"),               # a run of digits
    ("zyxwvutsrqpo", "zhangwei"),               # the alphabet backwards
    ("aaaaaaaaaaaa", "zhangwei"),               # too few different characters
    ("abababababab", "zhangwei"),
    ("Patrol20241234", "zhangwei"),             # the app's own name
])
def test_weak_passwords_are_refused(password, username):
    assert password_problem(password, username) is not None


def test_a_short_username_inside_a_password_is_not_held_against_it():
    assert password_problem("a-li-walks-the-roof", "li") is None


@pytest.mark.parametrize("pin", ["274913", "508261", "903718"])
def test_unguessable_pins_are_accepted(pin):
    assert pin_problem(pin) is None


@pytest.mark.parametrize("pin", [
    "000000", "111111", "999999",             # one digit
    "123456", "234567", "456789", "890123",  # runs up, also across 9→0
    "654321", "987654", "210987",            # runs down
    "121212", "112211", "123123", "520520",  # few digits, a repeated half, common
    "12345", "1234567", "12345a", "", "１２３４５６", "27 913",
])
def test_guessable_or_malformed_pins_are_refused(pin):
    assert pin_problem(pin) is not None
