"""A verified token is remembered until it expires, and only that exact token hits."""

from __future__ import annotations

import time
from unittest import mock

import jwt
import pytest
from http_support import SECRET, make_settings, token

from finance_http.auth import TokenVerifier
from finance_http.problems import HttpProblem

OTHER_SECRET = "another-secret-that-is-long-enough-0123456789abcdef"


class Clock:
    """Seconds since the epoch, starting now and moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def verifier(clock: Clock, *, cache_size: int = 16, leeway: int = 30) -> TokenVerifier:
    settings = make_settings("memory://", JWT_LEEWAY_SECONDS=str(leeway))
    return TokenVerifier(settings, cache_size=cache_size, clock=clock)


def decodes(subject: TokenVerifier) -> mock.MagicMock:
    """Counts the full verifications ``subject`` makes from here on."""
    spy = mock.MagicMock(wraps=subject._decode)
    subject._decode = spy  # type: ignore[method-assign]
    return spy


def reason(problem: HttpProblem) -> str:
    return str(problem.detail)


class TestVerifiedOnce:
    def test_second_request_with_a_token_is_not_verified_again(self, clock: Clock) -> None:
        """The same token verifies in full once; later calls reuse its claims."""
        subject = verifier(clock)
        spy = decodes(subject)
        bearer = token(sub="7")
        first = subject.verify(bearer)
        second = subject.verify(bearer)
        assert spy.call_count == 1
        assert first["sub"] == second["sub"] == "7"

    def test_remembered_claims_cannot_be_changed(self, clock: Clock) -> None:
        """Claims shared by later requests are read-only."""
        claims = verifier(clock).verify(token())
        with pytest.raises(TypeError):
            claims["role"] = "OWNER"  # type: ignore[index]

    def test_rejected_token_is_not_remembered(self, clock: Clock) -> None:
        """A token that fails verification is verified (and refused) every time."""
        subject = verifier(clock)
        spy = decodes(subject)
        bad = token(secret=OTHER_SECRET)
        for _ in range(2):
            with pytest.raises(HttpProblem):
                subject.verify(bad)
        assert spy.call_count == 2
        assert len(subject.verified) == 0


class TestExpiry:
    def test_remembered_token_is_refused_once_expired(self, clock: Clock) -> None:
        """Past exp plus leeway a remembered token is a 401 'expired'."""
        subject = verifier(clock, leeway=30)
        bearer = token(minutes=1)
        subject.verify(bearer)
        clock.now += 60 + 31
        with pytest.raises(HttpProblem) as refused:
            subject.verify(bearer)
        assert refused.value.status == 401
        assert "expired" in reason(refused.value)

    def test_remembered_token_is_accepted_within_the_leeway(self, clock: Clock) -> None:
        """Just past exp but within the leeway the token still works, as PyJWT has it."""
        subject = verifier(clock, leeway=30)
        bearer = token(minutes=1)
        subject.verify(bearer)
        clock.now += 60 + 20
        assert subject.verify(bearer)["sub"] == "1"

    def test_expired_token_is_forgotten(self, clock: Clock) -> None:
        """An expired token leaves the cache when it is refused."""
        subject = verifier(clock, leeway=0)
        bearer = token(minutes=1)
        subject.verify(bearer)
        clock.now += 61
        with pytest.raises(HttpProblem):
            subject.verify(bearer)
        assert len(subject.verified) == 0


class TestOnlyThatToken:
    def test_same_claims_signed_with_another_key_are_refused(self, clock: Clock) -> None:
        """A remembered token does not vouch for its claims signed with another key."""
        subject = verifier(clock)
        claims = {"sub": "1", "tenant_id": "1", "role": "OWNER", "exp": int(clock.now) + 600}
        subject.verify(jwt.encode(claims, SECRET, algorithm="HS256"))
        forged = jwt.encode(claims, OTHER_SECRET, algorithm="HS256")
        with pytest.raises(HttpProblem) as refused:
            subject.verify(forged)
        assert "signature" in reason(refused.value)

    def test_token_with_a_changed_signature_is_refused(self, clock: Clock) -> None:
        """Changing one character of a remembered token's signature is a 401."""
        subject = verifier(clock)
        bearer = token()
        subject.verify(bearer)
        head, payload, signature = bearer.split(".")
        changed = "A" if signature[0] != "A" else "B"
        with pytest.raises(HttpProblem):
            subject.verify(f"{head}.{payload}.{changed}{signature[1:]}")


class TestBound:
    def test_cache_never_holds_more_than_its_bound(self, clock: Clock) -> None:
        """However many tokens arrive, at most cache_size are remembered."""
        subject = verifier(clock, cache_size=3)
        for sub in range(10):
            subject.verify(token(sub=str(sub)))
            assert len(subject.verified) <= 3
        assert len(subject.verified) == 3

    def test_oldest_token_leaves_first_and_is_verified_again(self, clock: Clock) -> None:
        """A token pushed out by newer ones is verified in full when it returns."""
        subject = verifier(clock, cache_size=2)
        tokens = [token(sub=str(sub)) for sub in range(3)]
        for bearer in tokens:
            subject.verify(bearer)
        spy = decodes(subject)
        subject.verify(tokens[2])
        assert spy.call_count == 0
        subject.verify(tokens[0])
        assert spy.call_count == 1

    def test_recently_used_token_stays(self, clock: Clock) -> None:
        """Using a token keeps it; the least recently used one leaves."""
        subject = verifier(clock, cache_size=2)
        first, second, third = (token(sub=str(sub)) for sub in range(3))
        subject.verify(first)
        subject.verify(second)
        subject.verify(first)
        subject.verify(third)
        spy = decodes(subject)
        subject.verify(first)
        assert spy.call_count == 0
        subject.verify(second)
        assert spy.call_count == 1
