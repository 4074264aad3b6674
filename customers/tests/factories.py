import factory
from factory.django import DjangoModelFactory

from customers.models import Customer, CustomerStatus, Department, Network, Role, Territory, User
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
