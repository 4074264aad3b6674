from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from crm_project.errors import BusinessError, form_add_error

from . import keyaccounts, selectors, services
from .access import Ability, can, require
from .exports import customers_to_xlsx_response
from .forms import CustomerForm


@require_POST
def set_language_view(request):
    """Django's language switch, and for a logged-in user the choice kept on the account."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated:
        try:
            services.user_set_language(user=request.user, language=language)
        except BusinessError:
            pass  # an unknown language: Django's view has changed nothing either
    return response


@login_required
def customer_list_view(request):
    return render(request, "customers/list.html", {
        **selectors.customer_list_page(user=request.user, params=request.GET),
        "can_create": can(request.user, Ability.CREATE_CUSTOMERS),
    })


@login_required
def customer_export_view(request):
    customers = selectors.customer_list(user=request.user, filters=request.GET)
    return customers_to_xlsx_response(customers)


@login_required
def customer_detail_view(request, pk):
    return render(request, "customers/detail.html",
                  selectors.customer_detail(user=request.user, pk=pk))


@login_required
def customer_history_view(request, pk):
    customer = selectors.customer_get(user=request.user, pk=pk)
    return render(request, "customers/history.html", {
        "customer": customer,
        "history": selectors.customer_history(customer=customer, limit=200),
    })


@login_required
def customer_create_view(request):
    require(request.user, Ability.CREATE_CUSTOMERS)
    form = CustomerForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(user=request.user, data=form.cleaned_data)
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


@login_required
def customer_edit_view(request, pk):
    customer, editable = selectors.customer_for_edit(user=request.user, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user,
                        editable=editable)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, user=request.user,
                                     data=form.changed_cleaned_data(),
                                     reason=form.cleaned_data.get("change_reason", ""))
        except (ValidationError, BusinessError) as error:
            form_add_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
def key_accounts_view(request):
    """The key-account proposals of the supervisor's department (an admin's: all)."""
    require(request.user, Ability.CONFIRM_KEY_ACCOUNTS)
    proposals = (keyaccounts.key_accounts_visible_to(request.user)
                 .select_related("customer__grading", "decided_by")[:500])
    return render(request, "customers/key_accounts.html", {"proposals": proposals})


@require_POST
@login_required
def key_account_decide_view(request, pk, decision):
    if decision not in ("confirm", "drop"):
        raise Http404
    key_account = get_object_or_404(keyaccounts.key_accounts_visible_to(request.user), pk=pk)
    keyaccounts.key_account_decide(key_account=key_account, user=request.user,
                                   confirm=decision == "confirm")
    messages.success(request, _("Confirmed.") if decision == "confirm" else _("Dropped."))
    return redirect("customers:key_accounts")
