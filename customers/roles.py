"""The four roles as Django groups. Scoping by role is in selectors.customers_visible_to;
these permissions govern the Django admin and coarse actions."""

from django.contrib.auth.models import Group, Permission

from .models import Role

# app_label.codename, per role. Apps that come later add their own lines here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: [
        "customers.view_customer", "customers.change_customer",
        "customers.view_churnwarning", "customers.change_churnwarning",
        "phone_orders.view_product",
    ],
    Role.CLERK: [
        "customers.view_customer", "phone_orders.view_product",
    ],
    Role.SUPERVISOR: [
        "customers.view_customer", "customers.add_customer", "customers.change_customer",
        "customers.view_churnwarning", "customers.change_churnwarning",
        "customers.view_territory", "customers.view_department",
        "phone_orders.view_product",
    ],
    Role.ADMIN: ["*"],
}


def role_groups_sync() -> dict[str, Group]:
    """Create or refresh one group per role with its permissions. Safe to run again."""
    groups = {}
    for role, codes in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name(role))
        if codes == ["*"]:
            perms = Permission.objects.filter(
                content_type__app_label__in=[
                    "customers", "phone_orders", "visits", "complaints", "reports",
                    "authtoken",
                ]
            )
        else:
            wanted = [tuple(code.split(".", 1)) for code in codes]
            perms = [
                p for p in Permission.objects.select_related("content_type").filter(
                    codename__in=[codename for _, codename in wanted]
                )
                if (p.content_type.app_label, p.codename) in wanted
            ]
        group.permissions.set(perms)
        groups[group_name(role)] = group
    return groups


def group_name(role: str) -> str:
    """Groups are named by the role's stable value ("manager"), not its translated label."""
    return Role(role).value
