from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import ChurnWarning, Customer, Department, MonthlyPurchase, Territory, User


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


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "owner", "territory", "manager", "grade", "status",
                    "network", "business_format"]
    list_filter = ["status", "grade", "network", "business_format", "territory__department",
                   "territory"]
    search_fields = ["code", "name", "license_no", "owner", "phone", "name_initials"]
    list_select_related = ["territory", "manager"]
    raw_id_fields = ["manager"]
    readonly_fields = ["grade", "tier", "monthly_average", "grade_as_of", "last_order_date",
                       "open_complaint_count", "created_at", "updated_at"]
    history_list_display = ["status", "manager"]
    list_per_page = 50
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        from .pinyin import name_initials

        obj.name_initials = name_initials(obj.name)
        super().save_model(request, obj, form, change)


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
