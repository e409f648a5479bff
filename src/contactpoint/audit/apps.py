from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "contactpoint.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from contactpoint.audit import guard  # noqa: PLC0415  (needs the apps loaded)

        guard.connect()
