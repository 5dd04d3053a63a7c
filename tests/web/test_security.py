"""Pure parts of the web page's safety: login limits over time, the session key, the UI language."""

from __future__ import annotations

from pathlib import Path

from web.i18n import pick_language, translator
from web.security import LoginLimiter, MemberRate, load_or_create_secret


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_expire_so_the_rightful_user_gets_back_in() -> None:
    clock = Clock()
    limiter = LoginLimiter(per_account_address=3, per_ip=10, window_seconds=60, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("10.0.0.5", "Asha") == 0
        limiter.attempt("10.0.0.5", "Asha")
    assert 59 <= limiter.retry_after("10.0.0.5", "asha") <= 60  # per account and address, whatever the case
    assert limiter.retry_after("10.0.0.9", "asha") == 0  # the owner on another machine is not locked out
    clock.now += 61
    assert limiter.retry_after("10.0.0.5", "asha") == 0


def test_guesses_from_many_addresses_meet_the_account_limit_but_never_the_owners_own_address() -> None:
    """Issue 26, finding 7: after the account-wide limit, fresh addresses each still got a password check."""
    limiter = LoginLimiter(per_account_address=3, per_ip=10, per_account=4, window_seconds=60, clock=Clock())
    limiter.attempt("10.0.0.9", "asha")
    limiter.succeeded("10.0.0.9", "asha")  # asha's phone signed in yesterday
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        limiter.attempt(address, "asha")
    assert limiter.retry_after("10.0.0.1", "asha") > 0  # an address that failed for asha meets the account-wide limit
    assert all(limiter.retry_after(f"fd00::{n:x}", "asha") > 0 for n in range(80))  # so does every fresh one
    assert limiter.retry_after("10.0.0.9", "asha") == 0  # asha's own phone gets in
    assert limiter.retry_after("10.0.0.5", "ravi") == 0  # other accounts are not affected


def test_attempts_count_before_they_are_checked() -> None:
    limiter = LoginLimiter(per_account_address=5, per_ip=100, window_seconds=60, clock=Clock())
    allowed = 0
    for _ in range(200):  # 200 guesses arriving together: none has been checked yet
        if limiter.retry_after("10.0.0.5", "ravi") == 0:
            limiter.attempt("10.0.0.5", "ravi")
            allowed += 1
    assert allowed == 5


def test_one_address_trying_many_names_is_slowed() -> None:
    clock = Clock()
    limiter = LoginLimiter(per_account_address=3, per_ip=5, window_seconds=60, clock=clock)
    for number in range(5):
        limiter.attempt("10.0.0.5", f"user{number}")
    assert limiter.retry_after("10.0.0.5", "someone-new") > 0
    assert limiter.retry_after("10.0.0.6", "someone-new") == 0


def test_success_takes_its_attempt_back_and_clears_the_address() -> None:
    limiter = LoginLimiter(per_account_address=2, per_ip=100, window_seconds=60, clock=Clock())
    limiter.attempt("ip", "asha")
    limiter.attempt("ip", "asha")
    limiter.succeeded("ip", "asha")
    limiter.attempt("ip", "asha")
    assert limiter.retry_after("ip", "asha") == 0


def test_session_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "session.key"
    key = load_or_create_secret(path)
    assert len(key) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_secret(path) == key  # sessions survive a restart
    path.write_bytes(b"short")
    assert len(load_or_create_secret(path)) == 32  # a damaged key is replaced


def test_ui_language_choice() -> None:
    assert pick_language("hi", "en-GB,en") == "hi"
    assert pick_language(None, "hi-IN,hi;q=0.9,en;q=0.8") == "hi"
    assert pick_language(None, "de-DE") == "en"
    assert pick_language("xx", None) == "en"
    assert translator("hi")("Now playing") == "अभी चल रहा है"
    assert translator("hi")("an untranslated phrase") == "an untranslated phrase"
    assert translator("en")("happy") == "happy"


def test_a_member_rate_counts_per_member_in_a_sliding_window() -> None:
    now = [0.0]
    rate = MemberRate(2, 60.0, clock=lambda: now[0])
    assert [rate.take(1), rate.take(1), rate.take(2)] == [0.0, 0.0, 0.0]
    now[0] = 30.0
    assert rate.take(1) == 30.0  # the first of her two ends its minute at 60 s; a refusal is not counted
    now[0] = 60.0
    assert [rate.take(1), rate.take(1), rate.take(1)] == [0.0, 0.0, 60.0]
