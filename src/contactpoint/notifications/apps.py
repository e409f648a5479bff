from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "contactpoint.notifications"
    label = "notifications"
    verbose_name = "Access notifications"

    def ready(self) -> None:
        from contactpoint.notifications import rules  # noqa: PLC0415  (reads settings)

        rules.silent_types()  # an unknown organisation type stops the service at start
