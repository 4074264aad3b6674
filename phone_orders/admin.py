from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    BriefingNote,
    CallRecord,
    CycleSupply,
    DeliveryContact,
    Order,
    OrderEvent,
    OrderImport,
    OrderLine,
    Product,
    StoreQuota,
)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "brand", "price_band", "flavour", "pack_type",
                    "wholesale_price", "retail_price", "is_scarce", "default_quota", "on_sale"]
    list_filter = ["price_band", "flavour", "pack_type", "is_scarce", "on_sale", "brand"]
    search_fields = ["code", "name", "brand", "name_initials"]

    def save_model(self, request, obj, form, change):
        from customers.pinyin import name_initials

        obj.name_initials = name_initials(obj.name)
        super().save_model(request, obj, form, change)


class SupplyForm(admin.ModelAdmin.form):
    def clean(self):
        data = super().clean()
        instance = self.instance
        available = data.get("available_cartons")
        if instance.pk and available is not None and available < instance.granted_cartons:
            raise ValidationError({"available_cartons": _(
                "%(n)d cartons are already granted this cycle; available cannot be lower."
            ) % {"n": instance.granted_cartons}})
        return data


@admin.register(CycleSupply)
class CycleSupplyAdmin(admin.ModelAdmin):
    """Supply per SKU and cycle; granted cartons are kept by the order services only."""

    form = SupplyForm
    list_display = ["cycle_start", "product", "available_cartons", "granted_cartons",
                    "updated_by", "updated_at"]
    list_filter = ["cycle_start", "product__is_scarce"]
    search_fields = ["product__code", "product__name", "product__name_initials"]
    readonly_fields = ["granted_cartons", "updated_by"]
    autocomplete_fields = ["product"]

    def save_model(self, request, obj, form, change):
        saved = services.cycle_supply_set(user=request.user, product=obj.product,
                                          cycle_start=obj.cycle_start,
                                          available=obj.available_cartons)
        obj.pk = saved.pk


@admin.register(StoreQuota)
class StoreQuotaAdmin(admin.ModelAdmin):
    list_display = ["cycle_start", "customer", "product", "cartons", "basis", "tier"]
    list_filter = ["cycle_start", "basis"]
    search_fields = ["customer__code", "customer__name", "product__code", "product__name"]
    autocomplete_fields = ["customer", "product"]

    def save_model(self, request, obj, form, change):
        saved = services.store_quota_set(user=request.user, customer=obj.customer,
                                         product=obj.product, cycle_start=obj.cycle_start,
                                         cartons=obj.cartons)
        obj.pk = saved.pk


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["product", "requested_cartons", "granted_cartons", "unmet_reason",
                       "unit_price", "amount"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "user", "action", "detail"]


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    """Read-only here: orders change through the console and the API, by the rules."""

    list_display = ["order_date", "customer", "status", "channel", "source",
                    "requested_cartons", "granted_cartons", "total_amount", "taken_by"]
    list_filter = ["status", "channel", "source", "order_date"]
    search_fields = ["customer__code", "customer__name"]
    date_hierarchy = "order_date"
    inlines = [OrderLineInline, OrderEventInline]
    list_select_related = ["customer", "taken_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallRecord)
class CallRecordAdmin(admin.ModelAdmin):
    list_display = ["call_date", "customer", "clerk", "outcome", "duration_seconds",
                    "callback_at"]
    list_filter = ["outcome", "call_date"]
    search_fields = ["customer__code", "customer__name", "clerk__username"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OrderImport)
class OrderImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "created_at", "created_by", "status", "total_rows",
                    "orders_created", "bad_rows"]

    def has_add_permission(self, request):
        return False


@admin.register(BriefingNote)
class BriefingNoteAdmin(admin.ModelAdmin):
    list_display = ["cycle_start", "kind", "text", "created_by", "created_at"]
    list_filter = ["kind", "cycle_start"]
    raw_id_fields = ["created_by"]


@admin.register(DeliveryContact)
class DeliveryContactAdmin(admin.ModelAdmin):
    list_display = ["territory", "name", "phone"]
    list_select_related = ["territory"]
