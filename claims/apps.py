from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from claims.models import document_date_errors
        from sources.models import Document

        Document.change_checks.append(document_date_errors)

        import claims.signals  # noqa: F401 -- connects the receivers that keep provenance summaries fresh
