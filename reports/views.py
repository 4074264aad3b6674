from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Everyone lands on the customer list until role dashboards exist."""
    return redirect("customers:list")
