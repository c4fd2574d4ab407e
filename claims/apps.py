from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from claims.models import document_date_errors
        from claims.services import why_not_delete
        from sources.models import Document
        from sources.validation import DELETION_GUARDS

        Document.change_checks.append(document_date_errors)
        DELETION_GUARDS.append(why_not_delete)

        import claims.signals  # noqa: F401 -- connects the receivers that keep provenance summaries fresh
