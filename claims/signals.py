"""Keep every claim's stored provenance summary in step with the writes that change its graph,
record who last changed its content (for the two-person rule), and move `Claim.updated_at` when
anything shown with a claim changes (API consumers sync on it).

Writes mark the claims they touch; the summaries are recomputed and the claims touched once,
when the transaction commits, however many rows it wrote. Raw fixture loads are left alone:
fixtures carry their summaries (and `refresh_provenance` recomputes them all).
"""

import threading

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from claims.models import Appearance, Claim, ClaimRelation, Derivation, Topic
from sources.models import Document, Excerpt, Source

_pending = threading.local()


def mark_changed(claim_ids):
    claim_ids = set(claim_ids)
    if not claim_ids:
        return
    pending = getattr(_pending, "claim_ids", None)
    if pending is None:
        pending = _pending.claim_ids = set()
    pending.update(claim_ids)
    # Registered on every write: the first callback refreshes them all, the rest find nothing left.
    transaction.on_commit(_refresh_pending)


def _refresh_pending():
    from claims.provenance import refresh_summaries

    claim_ids, _pending.claim_ids = getattr(_pending, "claim_ids", None) or set(), set()
    if claim_ids:
        refresh_summaries(Claim.objects.filter(pk__in=claim_ids).values_list("pk", flat=True))
        Claim.objects.filter(pk__in=claim_ids).touch()


@receiver([post_save, post_delete], sender=Appearance)
@receiver([post_save, post_delete], sender=Derivation)
def graph_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_changed([instance.claim_id])
        Claim.objects.filter(pk=instance.claim_id).mark_content_changed()


@receiver([post_save, post_delete], sender=ClaimRelation)
def relation_changed(sender, instance, raw=False, **kwargs):
    # A supporting claim's origins decide whether the support is circular.
    if not raw:
        mark_changed([instance.to_claim_id])
        Claim.objects.filter(pk__in=[instance.from_claim_id, instance.to_claim_id]).mark_content_changed()


@receiver(m2m_changed, sender=Claim.topics.through)
def topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if getattr(instance, "skip_history_when_saving", False):
        return
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        mark_changed([instance.pk])
    elif reverse and action in ("post_add", "post_remove"):
        mark_changed(pk_set)
    elif reverse and action == "pre_clear":
        mark_changed(instance.claims.values_list("pk", flat=True))


@receiver(post_save, sender=Topic)
def topic_changed(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        mark_changed(instance.claims.values_list("pk", flat=True))


@receiver(post_save, sender=Excerpt)
def excerpt_changed(sender, instance, created, raw=False, **kwargs):
    if not raw and not created:
        mark_changed(Appearance.objects.filter(excerpt=instance).values_list("claim_id", flat=True))


@receiver(m2m_changed, sender=Claim.subjects.through)
def subjects_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if getattr(instance, "skip_history_when_saving", False):  # a fixture load (sources.validation)
        return
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        Claim.objects.filter(pk=instance.pk).mark_content_changed()
    elif reverse and action in ("post_add", "post_remove"):
        Claim.objects.filter(pk__in=pk_set).mark_content_changed()
    elif reverse and action == "pre_clear":  # a source's claims cleared from its side: Django names them only before
        instance.claims_about.all().mark_content_changed()


@receiver(post_save, sender=Claim)
def claim_created(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        mark_changed([instance.pk])


@receiver(post_save, sender=Document)
def document_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_changed(Appearance.objects.filter(document=instance).values_list("claim_id", flat=True))


@receiver(post_save, sender=Source)
def source_changed(sender, instance, raw=False, **kwargs):
    """A grade, an alias or an acting-for link changes the claims its speakers and agents appear in;
    its name shows with the claims about it too."""
    if raw:
        return
    affected = Source.objects.speaking_for(instance).values_list("pk", flat=True)
    mark_changed(
        Appearance.objects.filter(Q(speaker__in=affected) | Q(document__publisher__in=affected))
        .order_by()
        .values_list("claim_id", flat=True)
        .distinct()
    )
    mark_changed(instance.claims_about.values_list("pk", flat=True))
