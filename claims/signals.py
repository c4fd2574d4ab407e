"""Mark the claims each write may change (claims.publication settles them when the transaction
commits: provenance summaries recomputed, search documents written, `updated_at` moved where what
the public sees changed), and record who last changed a claim's content, for the two-person rule.

Raw fixture loads are left alone: fixtures carry their summaries but no search documents, and
`refresh_provenance` writes both.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from claims.models import Appearance, Claim, ClaimRelation, Derivation, Topic
from claims.publication import mark_changed
from claims.search import claims_naming
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


@receiver(m2m_changed, sender=Document.authors.through)
def authors_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """Authors are searched by name with the claims their documents carry (claims.search)."""
    if getattr(instance, "skip_history_when_saving", False):  # a fixture load (sources.validation)
        return
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        documents = [instance.pk]
    elif reverse and action in ("post_add", "post_remove"):
        documents = pk_set
    elif reverse and action == "pre_clear":  # a source's documents cleared from its side: named only before
        documents = instance.authored_documents.values_list("pk", flat=True)
    else:
        return
    mark_changed(Appearance.objects.filter(document__in=documents).values_list("claim_id", flat=True))


@receiver(post_save, sender=Source)
def source_changed(sender, instance, raw=False, **kwargs):
    """A name, a grade, an alias or an acting-for link changes the claims the source, its aliases
    and its agents speak, publish or write in, or are the subject of: their analysis counts it, and
    they show its name and are searched by it."""
    if not raw:
        mark_changed(claims_naming([instance.pk]).values_list("pk", flat=True))


@receiver(pre_delete, sender=Source)
def source_deleted(sender, instance, **kwargs):
    """The claims naming it (it speaks in, publishes for, wrote or is the subject of them): their
    links go by cascade or are cleared, which sends no signal of their own."""
    mark_changed(claims_naming([instance.pk]).values_list("pk", flat=True))
