"""API authentication: tokens (with a limit on wrong ones per address) and sessions."""

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class GuardedTokenAuthentication(TokenAuthentication):
    """Token authentication that limits wrong tokens per address: after
    API_TOKEN_FAILURE_LIMIT of them within API_TOKEN_FAILURE_WINDOW seconds, every token
    call from that address answers 429 until the window passes (guessing costs time)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        key = "api-token-failures:" + (request.META.get("REMOTE_ADDR") or "")
        window = settings.API_TOKEN_FAILURE_WINDOW
        if cache.get(key, 0) >= settings.API_TOKEN_FAILURE_LIMIT:
            raise exceptions.Throttled(wait=window, detail="错误的 Token 过多,请稍后再试。")
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            cache.add(key, 0, timeout=window)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window)
            raise
