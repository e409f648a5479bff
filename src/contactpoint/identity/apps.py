from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "contactpoint.identity"
    label = "identity"
    verbose_name = "Children and their source records"
