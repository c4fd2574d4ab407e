from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims"

    def ready(self):
        from django.db.backends.signals import connection_created

        from claims.models import document_date_errors
        from claims.search import configure_connection
        from claims.services import why_not_delete
        from sources.models import Document
        from sources.validation import DELETION_GUARDS

        Document.change_checks.append(document_date_errors)
        DELETION_GUARDS.append(why_not_delete)
        connection_created.connect(configure_connection)

        import claims.signals  # noqa: F401 -- connects the receivers that keep summaries and search documents fresh
