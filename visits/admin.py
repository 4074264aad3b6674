from django.contrib import admin

from .models import PlannedVisit, PriceStockRecord, Visit


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
