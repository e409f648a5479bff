from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "contactpoint.api"
    label = "api"
    verbose_name = "HTTP API"
