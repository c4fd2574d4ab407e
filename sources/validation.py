"""Model validation on every entry path.

Django validates in forms but not in `save()`, and `loaddata` saves raw, bypassing `save()`
altogether. Models that inherit `ValidatedModel` run `full_clean()` before every save, raw or
not, so the admin, the shell, the fixture loader and the API refuse the same bad input with the
same message. Bulk operations (`bulk_create`, `QuerySet.update`) still bypass it, on purpose:
they are for generators that build valid data in volume.
"""

from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import ProtectedError, Q
from django.db.models.signals import pre_save
from django.dispatch import receiver


class ValidatedModel(models.Model):
    class Meta:
        abstract = True

    # Set before each validation: a fixture load restores rows as they were, where some rules
    # about changing them (claims: a vetted claim's graph is frozen) do not apply.
    is_being_loaded = False

    def delete(self, *args, **kwargs):
        refuse_guarded_deletion(self)
        return super().delete(*args, **kwargs)

    def validate_derived_fields(self):
        """Check the fields `save()` derives (a hash, say), which raw loads bring ready-made."""


@receiver(pre_save)
def validate_before_save(sender, instance, raw, using=None, **kwargs):
    if not isinstance(instance, ValidatedModel):
        return
    if raw:
        # The loader's instance belongs to no database until saved: name the one it is loaded
        # into, so validation looks up its related rows there.
        instance._state.db = using
        # The loader finds an existing row by its natural key but builds a fresh instance: say it
        # is not new, so the uniqueness checks do not find the row itself.
        if instance.pk is not None:
            instance._state.adding = not sender._default_manager.db_manager(using).filter(pk=instance.pk).exists()
        instance.validate_derived_fields()
        # The loader sets this instance's many-to-many fields next, through signals that carry no
        # `raw` flag: mark it, so that a load writes no history (django-simple-history's own
        # marker) and changes no one's record of edits (claims.signals).
        instance.skip_history_when_saving = True
    instance.is_being_loaded = raw
    # Django checks unique fields against the default database only (its check takes no database);
    # saving into another, that database's unique indexes refuse duplicates themselves.
    instance.full_clean(validate_unique=(using or DEFAULT_DB_ALIAS) == DEFAULT_DB_ALIAS)


def choice_constraint(field, choices, *, name, message, blank=False, null=False):
    """A database check that `field` holds one of `choices` (the empty value too, if allowed)."""
    allowed = Q(**{f"{field}__in": ["", *choices.values] if blank else choices.values})
    if null:
        allowed |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=allowed, name=name, violation_error_message=message)


# Checks that forbid deleting a record, registered by the apps that know why (claims: a
# published story relies on it; its claim is vetted). Each takes the record and returns the
# reasons, in words, that forbid it: none when it may go.
DELETION_GUARDS = []


def deletion_refusals(instance):
    return [reason for guard in DELETION_GUARDS for reason in guard(instance)]


def refuse_guarded_deletion(instance):
    """Raise ProtectedError, saying why, if a guard forbids deleting `instance`.

    Called by `ValidatedModel.delete()` and `HistoriedQuerySet.delete()` before Django collects
    related rows, so the refusal gives the guard's reason rather than a protected foreign key.
    """
    reasons = deletion_refusals(instance)
    if reasons:
        raise ProtectedError(f"“{instance}” cannot be deleted: {'; '.join(reasons)}.", [instance])
