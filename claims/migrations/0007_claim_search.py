"""The claim search (claims.search): a search document per claim, and on PostgreSQL its indexes.

The GIN indexes are created by SQL run on PostgreSQL alone, and not declared on the model:
SQLite has no GIN, searches by LIKE instead, and rebuilds a table from the model's declared
indexes whenever it alters one.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class OnPostgreSQLOnly:
    """An operation run on PostgreSQL alone, both ways (Django's CreateExtension checks the
    database going forwards only, and on SQLite fails to go back)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class TrigramExtensionOnPostgreSQL(OnPostgreSQLOnly, TrigramExtension):
    pass


class RunSQLOnPostgreSQL(OnPostgreSQLOnly, migrations.RunSQL):
    pass


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0006_public_fingerprint'),
    ]

    operations = [
        # pg_trgm is a trusted extension (PostgreSQL 13 and later): the database's owner may create it.
        TrigramExtensionOnPostgreSQL(),
        migrations.CreateModel(
            name='ClaimSearchDocument',
            fields=[
                ('claim', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='claims.claim')),
                ('names', models.TextField(blank=True, help_text='Every source involved (speakers, publishers, authors, subjects), and whom the first three speak for.')),
                ('text', models.TextField(blank=True, help_text='The words of the label, statement, public summary, excerpts and names, each after a space: what SQLite searches.')),
                ('vector', django.contrib.postgres.search.SearchVectorField(help_text="The same, weighted, for PostgreSQL's full-text search; empty on SQLite.", null=True)),
            ],
        ),
        RunSQLOnPostgreSQL(
            sql=[
                "CREATE INDEX claims_search_vector ON claims_claimsearchdocument USING gin (vector)",
                "CREATE INDEX claims_search_names_trigrams ON claims_claimsearchdocument USING gin (names gin_trgm_ops)",
            ],
            reverse_sql=[
                "DROP INDEX claims_search_names_trigrams",
                "DROP INDEX claims_search_vector",
            ],
        ),
    ]
