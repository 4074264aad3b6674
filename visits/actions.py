"""The 26 standard actions of a visit, in their groups (domain.md, "Visits")."""

from django.utils.translation import gettext_lazy as _

ACTION_GROUPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("preparation", _("Preparation"), [
        ("prep_information", _("Information ready")),
        ("prep_work", _("Work plan ready")),
        ("prep_kit", _("Kit ready")),
        ("prep_appearance", _("Appearance checked")),
    ]),
    ("arrival", _("Arrival"), [
        ("arrive_observe", _("Observe the store")),
        ("arrive_greet", _("Greet the owner")),
        ("arrive_opening", _("Opening talk")),
    ]),
    ("information", _("Information gathering"), [
        ("info_observe", _("In-store observation")),
        ("info_ask", _("Ask the owner")),
    ]),
    ("stock", _("Stock count"), [
        ("stock_collect", _("Collect price and stock per SKU")),
        ("stock_advise", _("Advise a reasonable stock")),
    ]),
    ("counter", _("Counter care"), [
        ("display_service", _("Display service")),
    ]),
    ("guidance", _("Guidance"), [
        ("guide_base_data", _("Update base data")),
        ("guide_ecommerce", _("E-commerce help")),
        ("guide_supply_total", _("Agree the supply total")),
        ("guide_recommend", _("Recommendation skills")),
        ("guide_substitution", _("Out-of-stock substitution")),
        ("guide_assortment", _("Assortment width advice")),
    ]),
    ("brand", _("Brand building"), [
        ("brand_new_product", _("New product")),
        ("brand_key_brands", _("Key brands")),
        ("brand_well_known", _("Well-known brands on shelf")),
        ("brand_promotions", _("Promotions follow-up")),
        ("brand_maintenance", _("Brand maintenance")),
    ]),
    ("relationship", _("Relationship"), [
        ("resolve_complaints", _("Resolve complaints")),
    ]),
    ("closing", _("Closing"), [
        ("close_thank", _("Thank and leave")),
        ("close_record", _("Record route and content the same day")),
    ]),
]

ACTION_CODES: list[str] = [code for _group, _label, items in ACTION_GROUPS
                           for code, _text in items]
ACTION_LABELS: dict[str, str] = {code: text for _group, _label, items in ACTION_GROUPS
                                 for code, text in items}
assert len(ACTION_CODES) == 26

