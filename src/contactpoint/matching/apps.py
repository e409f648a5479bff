from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "contactpoint.matching"
    label = "matching"
    verbose_name = "Identity matching: the model, its decisions and the review queue"
