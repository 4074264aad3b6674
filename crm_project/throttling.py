"""Login throttling with django-axes, for every way in: the API token endpoint, the login
form and the admin login. Failures are counted per username and per address; either
reaching CRM_LOGIN_FAILURE_LIMIT refuses further attempts until the cool-down has passed.
A success resets nothing, so a valid login from the same address cannot wipe the count of
guesses at another account."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

LOCKED_OUT_STATUS = 429


class RequestThrottleBackend(AxesStandaloneBackend):
    """Axes for requests only: a shell, a management command or a data migration that
    calls authenticate() without a request is no login attempt from the outside."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed login attempts. Try again in %(minutes)d minute.",
        "Too many failed login attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: JSON for the API, the login page with the refusal otherwise."""
    message = lockout_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=LOCKED_OUT_STATUS)
    return render(request, "registration/login.html",
                  {"form": AuthenticationForm(request), "lockout_message": message,
                   "next": request.POST.get("next", "")},
                  status=LOCKED_OUT_STATUS)
