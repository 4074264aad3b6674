from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .selectors import home_figures


@login_required
def home(request):
    """Everyone's landing page: the figures of the stores they are responsible for."""
    today = timezone.localdate()
    return render(request, "reports/home.html", {
        "figures": home_figures(user=request.user, today=today),
        "today": today,
    })
