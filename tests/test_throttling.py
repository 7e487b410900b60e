"""Guessing is limited: failed logins per user and per address (django-axes, lifted by a
coordinator), wrong API tokens per address, and API requests per user and per address."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

LOGINS = ["/accounts/login/", "/admin/login/"]


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _try(client, path, username, password, ip="203.0.113.7"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("path", LOGINS)
def test_sixty_wrong_passwords_lock_the_account_and_the_right_one_no_longer_works(
    client, world, settings, path
):
    limit = settings.AXES_FAILURE_LIMIT
    answers = [_try(client, path, "coord", f"guess-{n}").status_code for n in range(60)]
    # the first attempts get the login form again; from the limit on, the lockout page
    assert set(answers[: limit - 1]) == {200}
    assert set(answers[limit:]) == {429}
    locked = _try(client, path, "coord", "pw-123456")
    assert locked.status_code == 429 and "暂时无法登录" in locked.content.decode()


def test_a_coordinator_lifts_the_lockout(client, world, settings):
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        _try(client, "/accounts/login/", "czj", f"guess-{n}", ip="203.0.113.8")
    assert (
        _try(client, "/accounts/login/", "czj", "pw-123456", ip="198.51.100.9").status_code == 429
    )
    admin = client.__class__()
    admin.force_login(world.coordinator)
    admin.post(
        "/admin/regions/user/",
        {"action": "unlock_selected", "_selected_action": [world.czj.pk]},
    )
    answer = _try(client, "/accounts/login/", "czj", "pw-123456", ip="198.51.100.9")
    assert answer.status_code == 302 and answer["Location"] == reverse("home")


def test_one_address_trying_many_names_is_locked_out(client, world, settings):
    for n in range(settings.AXES_FAILURE_LIMIT + 1):
        _try(client, "/accounts/login/", f"nobody{n}", "guess", ip="203.0.113.9")
    assert (
        _try(client, "/accounts/login/", "coord", "pw-123456", ip="203.0.113.9").status_code == 429
    )
    # another address is not concerned
    assert (
        _try(client, "/accounts/login/", "coord", "pw-123456", ip="203.0.113.10").status_code == 302
    )


def test_wrong_tokens_are_limited_per_address_then_even_a_right_one_waits(client, world, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 5
    good = Token.objects.create(user=world.czj).key

    def call(key, ip="203.0.113.20"):
        return client.get(
            "/api/assignments/", HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR=ip
        ).status_code

    assert call(good) == 200
    assert [call(f"{n:040x}") for n in range(5)] == [401] * 5
    assert call(f"{99:040x}") == 429
    assert call(good) == 429  # from this address, for the window
    assert call(good, ip="203.0.113.21") == 200


def test_anonymous_api_traffic_is_throttled(client, db, monkeypatch):
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "3/min")
    answers = [client.get("/api/assignments/").status_code for _ in range(5)]
    assert answers[:3] == [401, 401, 401] and answers[3:] == [429, 429]


def test_every_endpoint_of_ours_counts_anonymous_calls_before_refusing_them():
    from core.api import ApiView
    from tests.urlconf import project_routes

    views = [r.callback.cls for r in project_routes() if hasattr(r.callback, "cls")]
    ours = [v for v in views if v.__module__.startswith(("tasks_app", "regions", "core"))]
    assert ours and all(issubclass(v, ApiView) for v in ours), [
        v for v in ours if not issubclass(v, ApiView)
    ]
