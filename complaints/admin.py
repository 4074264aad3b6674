from django.contrib import admin

from .models import Attachment, Complaint, ComplaintStep, ResolutionTarget


@admin.register(ResolutionTarget)
class ResolutionTargetAdmin(admin.ModelAdmin):
    list_display = ["severity", "days"]


class StepInline(admin.TabularInline):
    model = ComplaintStep
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "user", "at", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    can_delete = False
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: every change goes through the workflow services (the complaint pages)."""

    list_display = ["pk", "customer", "kind", "severity", "status", "handler", "received_at"]
    list_filter = ["status", "kind", "severity", "channel"]
    search_fields = ["customer__code", "customer__name", "description"]
    raw_id_fields = ["customer", "product"]
    inlines = [StepInline, AttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
