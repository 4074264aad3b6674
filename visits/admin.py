from django.contrib import admin

from customers.access import is_admin

from . import services
from .models import PlannedVisit, PriceStockRecord, SampleStore, Visit


@admin.register(PlannedVisit)
class PlannedVisitAdmin(admin.ModelAdmin):
    list_display = ["date", "manager", "sequence", "customer", "planned_start",
                    "travel_minutes", "service_minutes", "status"]
    list_filter = ["status", "date"]
    search_fields = ["customer__name", "customer__code", "manager__username"]
    raw_id_fields = ["customer", "manager"]
    date_hierarchy = "date"


class PriceStockRecordInline(admin.TabularInline):
    model = PriceStockRecord
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "manager", "customer", "status", "started_at", "finished_at"]
    list_filter = ["status", "date"]
    search_fields = ["customer__name", "customer__code", "manager__username"]
    raw_id_fields = ["customer", "manager", "planned_visit"]
    date_hierarchy = "date"
    inlines = [PriceStockRecordInline]


@admin.register(SampleStore)
class SampleStoreAdmin(admin.ModelAdmin):
    """Administrators mark the sample stores (样本点)."""

    list_display = ["customer", "marked_by", "marked_at"]
    search_fields = ["customer__name", "customer__code"]
    raw_id_fields = ["customer"]
    fields = ["customer"]

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_admin(request.user)

    def save_model(self, request, obj, form, change):
        saved = services.sample_store_set(user=request.user, customer=obj.customer, sample=True)
        obj.pk, obj.marked_by, obj.marked_at = saved.pk, saved.marked_by, saved.marked_at
