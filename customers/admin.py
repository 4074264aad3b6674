from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from crm_project.errors import BusinessError

from .access import Ability, require
from .importers import CLEAR, COLUMNS, customers_import
from .models import (
    ChurnWarning,
    Customer,
    Department,
    KeyAccount,
    KeyAccountFlag,
    KeyAccountSettings,
    MonthlyPurchase,
    Territory,
    User,
)
from .selectors import customers_visible_to


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department"]
    list_filter = ["department"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "department", "is_active"]
    list_filter = ["role", "department", "is_active"]
    filter_horizontal = ["territories", "groups", "user_permissions"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Organisation"), {"fields": ["role", "department", "territories", "employee_no",
                                        "phone", "start_latitude", "start_longitude"]}),
    )


class CustomerImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"))
    dry_run = forms.BooleanField(label=_("Only check the file, import nothing"),
                                 required=False)
    confirm_moves = forms.BooleanField(
        label=_("Confirm moving stores to another territory or customer manager"),
        required=False)


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/customers/customer/change_list.html"
    list_display = ["code", "name", "owner", "territory", "manager", "grade", "status",
                    "network", "business_format"]
    list_filter = ["status", "grading__grade", "network", "business_format",
                   "territory__department", "territory"]
    search_fields = ["code", "name", "license_no", "owner", "phone", "name_initials"]
    list_select_related = ["territory", "manager"]
    raw_id_fields = ["manager"]
    readonly_fields = ["grade", "tier", "monthly_average", "grade_as_of", "last_order_date",
                       "open_complaint_count", "created_at", "updated_at"]
    history_list_display = ["status", "manager"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        # Defence in depth: even a staff account sees only the stores of its scope.
        return customers_visible_to(request.user).select_related("territory", "manager")

    def save_model(self, request, obj, form, change):
        obj.refresh_initials()
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="customers_customer_import"),
        ] + super().get_urls()

    def import_view(self, request):
        """Upload stores from CSV or Excel; a file with any bad row imports nothing."""
        require(request.user, Ability.IMPORT_DATA)
        form = CustomerImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = customers_import(content=upload.read(), filename=upload.name,
                                          user=request.user,
                                          dry_run=form.cleaned_data["dry_run"],
                                          confirm_moves=form.cleaned_data["confirm_moves"])
            except BusinessError as error:
                form.add_error("file", error.message)
            else:
                if result.ok and not form.cleaned_data["dry_run"]:
                    messages.success(request, gettext(
                        "%(rows)s rows imported: %(created)s created, %(updated)s updated."
                    ) % {"rows": result.rows, "created": result.created,
                         "updated": result.updated})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import customers"),
            "form": form,
            "result": result,
            "columns": COLUMNS,
            "clear_marker": CLEAR,
        }
        return TemplateResponse(request, "admin/customers/customer/import.html", context)


@admin.register(MonthlyPurchase)
class MonthlyPurchaseAdmin(admin.ModelAdmin):
    list_display = ["customer", "month", "amount", "cartons", "orders"]
    list_filter = ["month"]
    raw_id_fields = ["customer"]
    search_fields = ["customer__code", "customer__name"]


@admin.register(ChurnWarning)
class ChurnWarningAdmin(admin.ModelAdmin):
    list_display = ["customer", "reason", "score", "status", "owner", "as_of", "raised_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["customer", "owner", "handled_by"]
    search_fields = ["customer__code", "customer__name"]


# Key accounts: the admins' criteria (one row, every edit kept) and manual flags.
@admin.register(KeyAccountSettings)
class KeyAccountSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["grades", "min_tier", "min_monthly_average", "min_growth_percent",
                    "growth_basis", "min_cooperation", "updated_at"]


@admin.register(KeyAccountFlag)
class KeyAccountFlagAdmin(SimpleHistoryAdmin):
    list_display = ["customer", "reason", "flagged_by", "created_at"]
    raw_id_fields = ["customer"]
    readonly_fields = ["flagged_by"]

    def save_model(self, request, obj, form, change):
        obj.flagged_by = obj.flagged_by or request.user
        super().save_model(request, obj, form, change)


@admin.register(KeyAccount)
class KeyAccountAdmin(admin.ModelAdmin):
    list_display = ["customer", "month", "status", "manual", "decided_by"]
    list_filter = ["status", "month"]
    raw_id_fields = ["customer"]
    readonly_fields = ["decided_by", "decided_at"]
