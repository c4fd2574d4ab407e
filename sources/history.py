"""Who did what, when: the history of every record, and edits that never overwrite each other.

- `acting_as(user)` names who is acting for writes made outside a request (commands, services
  called by the API or tests); inside a request, django-simple-history's middleware names the
  signed-in user. `acting_user()` answers for both.
- `track_history()` is the `HistoricalRecords` every tracked model declares: a table of versions with
  who, when and the values, shown, compared and reverted in the admin.
- `HistoriedQuerySet` makes bulk writes (`bulk_create`, `QuerySet.update`), which send no
  signals, leave history too.
- `VersionedModel` refuses a save made from a stale copy (optimistic locking), saying who changed
  what since that copy was read.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords, ModelChange, ModelDelta

from sources.validation import refuse_guarded_deletion

_acting_user = ContextVar("acting_user", default=None)


@contextmanager
def acting_as(user):
    token = _acting_user.set(user)
    try:
        yield user
    finally:
        _acting_user.reset(token)


def acting_user():
    """The signed-in user making the current change, or None (a command, a fixture load)."""
    user = _acting_user.get()
    if user is None:
        user = getattr(getattr(HistoricalRecords.context, "request", None), "user", None)
    return user if user is not None and user.is_authenticated else None


def _history_user(instance=None, request=None, **kwargs):
    return acting_user()


def track_history(**options):
    return HistoricalRecords(get_user=_history_user, **options)


class HistoriedQuerySet(models.QuerySet):
    """Bulk writes record history like single saves: one version per row written.

    (Bulk deletes send the signals that record history already; they are checked here against the
    deletion guards, like single deletes.)
    """

    def delete(self):
        for instance in self:
            refuse_guarded_deletion(instance)
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        self.model.history.bulk_history_create(created, default_user=acting_user())
        return created

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            record_versions(self.model._base_manager.using(self.db).filter(pk__in=pks))
        return count


def record_versions(instances, *, first=False):
    """A version of each instance (a changed one, or with `first` its first), many-to-many fields
    included, by the acting user.

    (django-simple-history's bulk helper copies no many-to-many rows: they are added here.)
    """
    instances = {instance.pk: instance for instance in instances}
    if not instances:
        return
    model = next(iter(instances.values()))._meta.model
    versions = model.history.bulk_history_create(instances.values(), update=not first, default_user=acting_user())
    if model.history.model._history_m2m_fields:
        records = HistoricalRecords()
        for version in versions:
            records.create_historical_record_m2ms(version, instances[version.id])


def tracked_models():
    return [model for model in apps.get_models() if getattr(model._meta, "simple_history_manager_attribute", None)]


def version_delta(newer, older, **options):
    """What changed from one version to another, in every tracked field.

    django-simple-history compares only the fields a form can edit, which would hide exactly
    what matters most in an audit: a claim's status and verdict, which no form edits. Those are
    compared here (by their stored values) and added.
    """
    delta = newer.diff_against(older, **options)
    unedited = [
        ModelChange(field.name, getattr(older, field.attname), getattr(newer, field.attname))
        for field in older.tracked_fields
        if not field.editable and not field.primary_key and getattr(older, field.attname) != getattr(newer, field.attname)
    ]
    if not unedited:
        return delta
    changes = sorted([*delta.changes, *unedited], key=lambda change: change.field)
    return ModelDelta(changes, [change.field for change in changes], older, newer)


@receiver(m2m_changed)
def record_reverse_many_to_many_change(sender, instance, action, reverse, model, pk_set, **kwargs):
    """`source.claims_about.add(claim)` changes the claim: django-simple-history versions only the
    source, so the claims (or documents) changed get a version of their own here."""
    if not reverse or action not in ("post_add", "post_remove") or getattr(instance, "skip_history_when_saving", False):
        return
    history = getattr(model, "history", None)
    tracked = history is not None and any(field.remote_field.through is sender for field in history.model._history_m2m_fields)
    if tracked:
        record_versions(model._base_manager.using(instance._state.db).filter(pk__in=pk_set))


class VersionedModel(models.Model):
    """A record saved only from its latest version: a save from an older copy is refused.

    The version the editor started from travels with the edit (a hidden admin field; the API's
    If-Match). `clean()` compares it with the stored one, for a message naming what changed
    meanwhile; `save()` claims the next version in one conditional UPDATE, so two saves racing
    past the check still cannot both win.
    """

    version = models.PositiveIntegerField(default=1, help_text="Raised by one on every save.")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            rows = type(self)._base_manager.filter(pk=self.pk)
            claimed = rows.filter(version=self.version).update(version=F("version") + 1)
            if claimed:
                self.version += 1
            elif rows.exists():
                raise ValidationError({NON_FIELD_ERRORS: [self.stale_message()]}, code="stale")
            # else: a deleted record restored from its history, inserted again as it was
            super().save(*args, **kwargs)

    def prepare_revert(self):
        """Make this copy of a past version (`historical.instance`) save as the next version.

        What a model changes only through its own workflow (`kept_on_revert`) stays as stored.
        """
        stored = type(self)._base_manager.filter(pk=self.pk).first()
        if stored is None:
            return
        self.version = stored.version
        for field in self.kept_on_revert:
            setattr(self, field, getattr(stored, field))

    kept_on_revert = ()

    def validate_version(self):
        if self._state.adding:
            return
        stored = type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True).first()
        if stored is not None and stored != self.version:
            raise ValidationError({NON_FIELD_ERRORS: [self.stale_message()]}, code="stale")

    def stale_message(self):
        """What changed between the version this copy was read at and the stored one, and who changed it."""
        name = self._meta.verbose_name
        latest = self.history.order_by("-history_date", "-history_id").first()
        seen = self.history.filter(version=self.version).order_by("-history_date", "-history_id").first()
        if latest is None:
            return f"This {name} was changed by someone else after you opened it. Reload it and make your change again."
        who = latest.history_user or "someone"
        changes = ""
        if seen is not None and seen.pk != latest.pk:
            delta = version_delta(latest, seen)
            changes = "; ".join(
                f"{self._meta.get_field(change.field).verbose_name}: “{_short(change.old)}” → “{_short(change.new)}”"
                for change in delta.changes
                if change.field != "version"
            )
        stored = type(self)._base_manager.filter(pk=self.pk).values_list("version", flat=True).first()
        return (
            f"This {name} was changed by {who} at {latest.history_date:%Y-%m-%d %H:%M} UTC after you opened it "
            f"(version {self.version} → {stored}){': ' + changes if changes else ''}. "
            "Your changes were not saved: reload the page, then make them again."
        )


def _short(value, limit=80):
    text = ", ".join(str(item) for item in value) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
