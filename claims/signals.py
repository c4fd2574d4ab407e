"""Mark the claims each write may change (claims.publication settles them when the transaction
commits: provenance summaries recomputed, `updated_at` moved where what the public sees changed),
and record who last changed a claim's content, for the two-person rule.

Raw fixture loads are left alone: fixtures carry their summaries (and `refresh_provenance`
recomputes them all).
"""

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from claims.models import Appearance, Claim, ClaimRelation, Derivation, Topic
from claims.publication import mark_changed
from sources.models import Document, Excerpt, Source


@receiver([post_save, post_delete], sender=Appearance)
@receiver([post_save, post_delete], sender=Derivation)
def graph_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_changed([instance.claim_id])
        Claim.objects.filter(pk=instance.claim_id).mark_content_changed()


@receiver([post_save, post_delete], sender=ClaimRelation)
def relation_changed(sender, instance, raw=False, **kwargs):
    # Both sides show it; and a supporting claim's origins decide whether the support is circular.
    if not raw:
        mark_changed([instance.from_claim_id, instance.to_claim_id])
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
        claims = Claim.objects.filter(pk=instance.pk)
    elif reverse and action in ("post_add", "post_remove"):
        claims = Claim.objects.filter(pk__in=pk_set)
    elif reverse and action == "pre_clear":  # a source's claims cleared from its side: Django names them only before
        claims = instance.claims_about.all()
    else:
        return
    mark_changed(claims.values_list("pk", flat=True))
    claims.mark_content_changed()


@receiver(post_save, sender=Claim)
def claim_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_changed([instance.pk])


@receiver(pre_delete, sender=Topic)
def topic_deleted(sender, instance, **kwargs):
    # Its links to claims go by cascade, which sends no m2m_changed: named here, before they go.
    mark_changed(instance.claims.values_list("pk", flat=True))


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


@receiver(pre_delete, sender=Source)
def source_deleted(sender, instance, **kwargs):
    """The claims it speaks in, publishes for or is the subject of: their links go by cascade or
    are cleared, which sends no signal of their own."""
    mark_changed(
        Claim.objects.filter(
            Q(subjects=instance) | Q(appearances__speaker=instance) | Q(appearances__document__publisher=instance)
        ).values_list("pk", flat=True)
    )
