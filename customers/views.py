from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm_project.errors import BusinessError, form_add_error

from . import selectors, services
from .exports import customers_to_xlsx_response
from .filters import CustomerFilter
from .forms import CustomerForm


@login_required
def customer_list_view(request):
    customers = selectors.customers_visible_to(request.user).select_related("territory",
                                                                            "manager")
    customer_filter = CustomerFilter(request.GET or None, queryset=customers, request=request)
    page_obj = Paginator(customer_filter.qs, settings.CRM_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "customers/list.html", {
        "filter": customer_filter,
        "page_obj": page_obj,
        "can_create": services.user_can_create_customers(request.user),
    })


@login_required
def customer_export_view(request):
    customers = selectors.customer_list(user=request.user, filters=request.GET)
    return customers_to_xlsx_response(customers)


@login_required
def customer_detail_view(request, pk):
    customer = selectors.customer_get(user=request.user, pk=pk)
    return render(request, "customers/detail.html", {
        "customer": customer,
        "purchases": selectors.customer_monthly_purchases(customer=customer, months=6),
        "warnings": selectors.customer_open_warnings(customer=customer),
        "history": selectors.customer_history(customer=customer, limit=5),
        "can_edit": services.customer_editable_fields(user=request.user,
                                                      customer=customer) != set(),
    })


@login_required
def customer_history_view(request, pk):
    customer = selectors.customer_get(user=request.user, pk=pk)
    return render(request, "customers/history.html", {
        "customer": customer,
        "history": selectors.customer_history(customer=customer, limit=200),
    })


@login_required
def customer_create_view(request):
    if not services.user_can_create_customers(request.user):
        raise PermissionDenied
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
    customer = selectors.customer_get(user=request.user, pk=pk)
    editable = services.customer_editable_fields(user=request.user, customer=customer)
    if editable == set():
        raise PermissionDenied
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
