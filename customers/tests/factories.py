import factory
from factory.django import DjangoModelFactory

from customers.models import (
    GRADE_ATTRIBUTES,
    Customer,
    CustomerGrade,
    CustomerStatus,
    Department,
    Network,
    Role,
    Territory,
    User,
)
from customers.pinyin import name_initials


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"D{n:02d}")
    name = factory.Sequence(lambda n: f"营销{n}部")


class TerritoryFactory(DjangoModelFactory):
    class Meta:
        model = Territory
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"T{n + 50:02d}")
    name = factory.Sequence(lambda n: f"片区{n}")
    department = factory.SubFactory(DepartmentFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "张"
    first_name = factory.Sequence(lambda n: f"员{n}")
    role = Role.MANAGER
    department = factory.SubFactory(DepartmentFactory)
    employee_no = factory.Sequence(lambda n: f"{1000 + n}")
    password = factory.django.Password("pass-1234")

    @factory.post_generation
    def territories(self, create, extracted, **kwargs):
        if create and extracted:
            self.territories.set(extracted)


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"4401{n:08d}")
    name = factory.Sequence(lambda n: f"百利达便利店{n}号")
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    license_no = factory.Sequence(lambda n: f"44010{n:07d}")
    owner = "李四"
    owner_initials = factory.LazyAttribute(lambda o: name_initials(o.owner))
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    address = "广州市越秀区中山路1号"
    territory = factory.SubFactory(TerritoryFactory)
    manager = None
    status = CustomerStatus.ACTIVE
    network = Network.URBAN
    order_weekday = 2

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """grade, tier, monthly_average and grade_as_of given: the store's CustomerGrade
        row, as a grading run would have written it."""
        graded = {name: kwargs.pop(name) for name in GRADE_ATTRIBUTES if name in kwargs}
        customer = super()._create(model_class, *args, **kwargs)
        if graded:
            grade_set(customer, **graded)
        return customer


def grade_set(customer, **values) -> CustomerGrade:
    """Sets a store's grade attributes (grade, tier, monthly_average, grade_as_of) as a
    grading run would, creating its CustomerGrade row if it has none."""
    row, _created = CustomerGrade.objects.update_or_create(
        customer_id=getattr(customer, "pk", customer),
        defaults={GRADE_ATTRIBUTES[name]: value for name, value in values.items()})
    if isinstance(customer, Customer):
        customer.grade_load(row)
    return row
