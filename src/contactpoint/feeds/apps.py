from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "contactpoint.feeds"
    label = "feeds"
    verbose_name = "Source systems and feeds"
