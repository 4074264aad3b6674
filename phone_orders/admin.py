from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Product


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
