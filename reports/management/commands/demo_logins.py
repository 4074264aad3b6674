from django.core.management.base import BaseCommand

from customers.demo import print_logins
from customers.models import User


class Command(BaseCommand):
    help = "Print the demo logins (when the demo users exist)."

    def handle(self, *args, **options):
        if User.objects.filter(username="manager1").exists():
            print_logins(self.stdout)
