"""The fact-checker's admin.

Existing rows on a claim's page are listed read-only, with their relations loaded in the same
few queries, and link to their own pages for editing; blank rows below add new ones. Editable
rows would render a widget per relation per row, each with a query of its own, and a claim with
hundreds of appearances would then cost hundreds of queries.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ORDER_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from claims.models import (
    Appearance,
    STATUS_TRANSITIONS,
    Claim,
    ClaimRelation,
    Credibility,
    CorrectionFlag,
    Derivation,
    Likelihood,
    Review,
    ReviewDecision,
    Story,
    StoryClaim,
    Topic,
    Verdict,
    graph_is_frozen,
)
from claims.graph import claim_graph_dot, origin_legend
from claims.provenance import analyse, attribution_tree
from claims.search import search_claims
from claims.services import can_review, claim_review, correction_flag_acknowledge
from sources.history_admin import HistoryAdmin


@admin.register(Topic)
class TopicAdmin(HistoryAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)


class ListingInline(admin.TabularInline):
    """Existing rows shown read-only (delete allowed); edited on their own page."""

    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AddingInline(admin.TabularInline):
    """Blank rows only, for adding."""

    extra = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class AppearanceListingInline(ListingInline):
    model = Appearance
    verbose_name_plural = "appearances, from origin to latest"
    fields = ("key", "document", "date", "speaker", "stance", "quote", "derives_from")
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        # A vetted claim's graph is frozen (claims.services.why_not_delete): no delete boxes to tick.
        return super().has_delete_permission(request, obj) and not (obj and obj.is_frozen)

    def get_queryset(self, request):
        derivations = Derivation.objects.select_related("derived_from").order_by("derived_from__key")
        return (
            super()
            .get_queryset(request)
            .origins_first()
            .select_related("document__publisher", "speaker", "excerpt")
            .prefetch_related(Prefetch("derivations_out", queryset=derivations))
        )

    @admin.display(description="date")
    def date(self, appearance):
        return appearance.document.date_display

    @admin.display(description="quote")
    def quote(self, appearance):
        return appearance.excerpt.short_quote if appearance.excerpt else appearance.note

    @admin.display(description="derives from")
    def derives_from(self, appearance):
        links = appearance.derivations_out.all()
        if not links:
            return "— origin —"
        return format_html_join(
            ", ", "{} {}", ((link.get_kind_display(), link.derived_from.key) for link in links)
        )


class AppearanceAddingInline(AddingInline):
    model = Appearance
    verbose_name_plural = "add appearances"
    fields = ("key", "document", "excerpt", "speaker", "stance", "note")
    autocomplete_fields = ("document", "excerpt", "speaker")


class RelationAddingInline(AddingInline):
    model = ClaimRelation
    fk_name = "from_claim"
    verbose_name_plural = "add relations to other claims"
    fields = ("kind", "to_claim", "note")
    autocomplete_fields = ("to_claim",)


class ReviewListingInline(ListingInline):
    model = Review
    can_delete = False
    show_change_link = False
    verbose_name_plural = "reviews"
    fields = ("created_at", "reviewer", "decision", "status_before", "status_after", "verdict", "credibility", "rationale", "public_reason")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewer")


class IndependentOriginsFilter(admin.SimpleListFilter):
    title = "independent origins"
    parameter_name = "independent_origins"

    def lookups(self, request, model_admin):
        return [("0", "none"), ("1", "one"), ("2", "two or more")]

    def queryset(self, request, queryset):
        if self.value() == "2":
            return queryset.filter(provenance__independent_origin_count__gte=2)
        if self.value() in ("0", "1"):
            return queryset.filter(provenance__independent_origin_count=int(self.value()))
        return queryset


class ClaimChangeList(ChangeList):
    """Claims found by the search box come the most relevant first, unless a column was clicked to sort them."""

    def get_queryset(self, request, exclude_parameters=None):
        claims = super().get_queryset(request, exclude_parameters)
        if self.query and not self.params.get(ORDER_VAR):
            # The list's own order (sorted before the search ranks them) breaks ties.
            return claims.order_by("-search_rank", *claims.query.order_by)
        return claims


class ReviewForm(forms.Form):
    """The review panel under a claim: the decision is the button pressed."""

    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    verdict = forms.ChoiceField(choices=[("", "—"), *Verdict.choices], required=False)
    credibility = forms.TypedChoiceField(choices=[("", "—"), *Credibility.choices], coerce=int, empty_value=None, required=False)
    likelihood = forms.ChoiceField(choices=[("", "—"), *Likelihood.choices], required=False)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), help_text="Why, for the desk: every review says.")
    public_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}), required=False,
        help_text="Why, for readers: needed when the decision changes what they see.",
    )


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    list_display = (
        "label", "status", "verdict", "credibility", "likelihood",
        "appearance_count", "independent_origins", "circular", "event_date_known",
    )
    list_filter = (
        "status", "verdict", "credibility", "likelihood",
        IndependentOriginsFilter, ("provenance__is_circular", admin.BooleanFieldListFilter), "topics",
    )
    list_select_related = ("provenance",)
    # The search itself is claims.search (get_search_results); Django shows the box, and lets other
    # admins autocomplete claims, only where search fields are named.
    search_fields = ("label",)
    search_help_text = (
        "Every word, in the label, statement, public summary, excerpts or the names of the sources involved "
        "(misspelt names too, on PostgreSQL). The most relevant first, unless you sort by a column."
    )
    autocomplete_fields = ("subjects", "topics")
    readonly_fields = ("status", "verdict", "credibility", "likelihood", "provenance_graph", "attribution", "related_claims")
    inlines = (AppearanceListingInline, AppearanceAddingInline, RelationAddingInline, ReviewListingInline)
    change_form_template = "admin/claims/claim/change_form.html"
    change_list_template = "admin/claims/claim/change_list.html"
    fieldsets = (
        (None, {"fields": ("label", "slug", "statement", "subjects", "topics", ("event_date", "event_date_precision"), "version")}),
        ("Assessment", {"fields": (("status", "verdict"), ("credibility", "likelihood"), "public_summary", "internal_notes")}),
        ("Provenance", {"fields": ("provenance_graph",)}),
        ("Attribution, from the latest appearances back to their origins", {"fields": ("attribution",)}),
        ("Related claims", {"fields": ("related_claims",)}),
    )

    class Media:
        css = {"all": ("claims/provenance.css",)}
        js = ("claims/vendor/viz-3.31.0.js", "claims/provenance-graph.js")

    def view_on_site(self, claim):
        """The claim's public page, linked from its admin page only while the public can see it."""
        return claim.get_absolute_url() if Claim.objects.public().filter(pk=claim.pk).exists() else None

    def get_search_results(self, request, queryset, search_term):
        # One row per claim (a claim has one search document): never duplicates.
        return search_claims(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return ClaimChangeList

    def get_form(self, request, obj=None, **kwargs):
        # The version the fact-checker opened travels with the edit: a save from an older one is refused.
        kwargs["widgets"] = {**kwargs.get("widgets", {}), "version": forms.HiddenInput}
        return super().get_form(request, obj, **kwargs)

    def get_urls(self):
        return [
            path("review-queue/", self.admin_site.admin_view(self.review_queue_view), name="claims_claim_review_queue"),
            path("<path:object_id>/review/", self.admin_site.admin_view(self.review_view), name="claims_claim_review"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and can_review(request.user):
            decisions = [decision for (status, decision) in STATUS_TRANSITIONS if status == obj.status]
            context = {
                **context,
                "review_form": ReviewForm(auto_id="review-%s", initial={"verdict": obj.verdict, "credibility": obj.credibility, "likelihood": obj.likelihood}),
                "review_decisions": [ReviewDecision(decision) for decision in decisions],
                "review_url": reverse("admin:claims_claim_review", args=[obj.pk]),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def review_view(self, request, object_id):
        """Record a review from the claim's page; every refusal is shown there, naming the field, and changes nothing."""
        claim = self.get_object(request, object_id)
        if claim is None:
            raise Http404("No such claim.")
        back = redirect("admin:claims_claim_change", claim.pk)
        if request.method != "POST":
            return back
        form = ReviewForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
            return back
        try:
            review = claim_review(claim=claim, reviewer=request.user, **form.cleaned_data)
        except PermissionDenied as refusal:
            messages.error(request, str(refusal))
        except ValidationError as refusal:
            for field, errors in refusal.message_dict.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
        else:
            if review.is_partial_approval:
                messages.success(request, "Your approval is recorded; the claim stays in review until enough other fact-checkers approve it.")
            else:
                messages.success(request, f"Review recorded: the claim is now {review.get_status_after_display()}.")
        return back

    def review_queue_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Review queue: claims awaiting review, the longest-waiting first",
            "claims": Claim.objects.review_queue().select_related("provenance", "content_changed_by"),
        }
        return TemplateResponse(request, "admin/claims/claim/review_queue.html", context)

    # A claim's summary is written when the transaction that created the claim commits; until
    # then its columns show as empty.
    @admin.display(description="appearances", ordering="provenance__appearance_count")
    def appearance_count(self, claim):
        return claim.provenance.appearance_count if hasattr(claim, "provenance") else None

    @admin.display(description="independent origins", ordering="provenance__independent_origin_count")
    def independent_origins(self, claim):
        return claim.provenance.independent_origin_count if hasattr(claim, "provenance") else None

    @admin.display(description="circular reporting", boolean=True, ordering="provenance__is_circular")
    def circular(self, claim):
        return claim.provenance.is_circular if hasattr(claim, "provenance") else None

    @admin.display(description="graph")
    def provenance_graph(self, claim):
        if claim.pk is None:
            return "—"
        analysis = analyse(claim)
        return render_to_string(
            "admin/claims/provenance.html",
            {
                "claim": claim,
                "analysis": analysis,
                "legend": origin_legend(analysis),
                "dot": claim_graph_dot(analysis),
                "dot_element_id": f"graph-dot-{claim.pk}",
            },
        )

    @admin.display(description="event date", ordering="event_date")
    def event_date_known(self, claim):
        return claim.event_date_display

    @admin.display(description="chain")
    def attribution(self, claim):
        if claim.pk is None:
            return "—"
        rows, truncated = attribution_tree(claim)
        return render_to_string("admin/claims/attribution_tree.html", {"rows": rows, "truncated": truncated})

    @admin.display(description="relations (both directions)")
    def related_claims(self, claim):
        relations = ClaimRelation.objects.involving(claim).select_related("from_claim", "to_claim")
        rows = []
        for relation in relations:
            label, other = relation.label_from(claim)
            rows.append(
                (
                    label,
                    reverse("admin:claims_claim_change", args=[other.pk]),
                    other.label,
                    reverse("admin:claims_claimrelation_change", args=[relation.pk]),
                )
            )
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", '<li>{} <a href="{}">{}</a> (<a href="{}">edit</a>)</li>', rows),
        )


class DerivationInline(admin.TabularInline):
    model = Derivation
    fk_name = "appearance"
    fields = ("kind", "derived_from")
    extra = 1
    verbose_name_plural = "derives from"

    def get_formset(self, request, obj=None, **kwargs):
        self.parent_appearance = obj
        return super().get_formset(request, obj, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # A vetted claim's graph is frozen (claims.services.why_not_delete): no delete boxes to tick.
        return super().has_delete_permission(request, obj) and not (obj and graph_is_frozen(obj.claim_id))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "derived_from":
            parent = self.parent_appearance
            queryset = Appearance.objects.select_related("document__publisher", "speaker")
            kwargs["queryset"] = queryset.filter(claim=parent.claim).exclude(pk=parent.pk) if parent else queryset.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Appearance)
class AppearanceAdmin(HistoryAdmin):
    list_display = ("claim", "key", "document", "speaker", "stance")
    list_filter = ("stance", "document__kind")
    list_select_related = ("claim", "document", "speaker")
    search_fields = ("key", "claim__label", "document__title", "speaker__name", "excerpt__quote")
    autocomplete_fields = ("claim", "document", "excerpt", "speaker")
    inlines = (DerivationInline,)


@admin.register(Derivation)
class DerivationAdmin(HistoryAdmin):
    list_display = ("claim", "appearance", "kind", "derived_from")
    list_filter = ("kind",)
    list_select_related = (
        "claim",
        "appearance__document__publisher",
        "appearance__speaker",
        "derived_from__document__publisher",
        "derived_from__speaker",
    )
    search_fields = ("claim__label", "appearance__key", "derived_from__key")
    autocomplete_fields = ("appearance", "derived_from")
    fields = ("claim", "appearance", "kind", "derived_from")
    readonly_fields = ("claim",)


@admin.register(ClaimRelation)
class ClaimRelationAdmin(HistoryAdmin):
    list_display = ("from_claim", "kind", "to_claim")
    list_filter = ("kind",)
    list_select_related = ("from_claim", "to_claim")
    search_fields = ("from_claim__label", "to_claim__label", "note")
    autocomplete_fields = ("from_claim", "to_claim")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Reviews are the record of our judgements: read here, made through the claim's workflow."""

    list_display = ("claim", "decision", "status_before", "status_after", "verdict", "credibility", "reviewer", "created_at")
    list_filter = ("decision", "verdict", "status_after", "reviewer")
    list_select_related = ("claim", "reviewer")
    search_fields = ("claim__label", "rationale", "public_reason")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StoryClaimInline(admin.TabularInline):
    model = StoryClaim
    fields = ("claim", "usage", "note")
    autocomplete_fields = ("claim",)
    extra = 1


class NeedsCorrectionFilter(admin.SimpleListFilter):
    title = "needs correction"
    parameter_name = "needs_correction"

    def lookups(self, request, model_admin):
        return [("yes", "yes"), ("no", "no")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.needing_correction()
        if self.value() == "no":
            return queryset.exclude(pk__in=Story.objects.needing_correction())
        return queryset


@admin.display(description="")
def acknowledge_button(flag):
    if not flag.is_open:
        return "—"
    return format_html('<a class="button" href="{}">Acknowledge</a>', reverse("admin:claims_correctionflag_acknowledge", args=[flag.pk]))


class CorrectionFlagInline(ListingInline):
    model = CorrectionFlag
    can_delete = False
    show_change_link = True
    verbose_name_plural = "correction flags"
    fields = ("raised_at", "claim", "reason", "acknowledged_by", "acknowledged_at", "acknowledgement", acknowledge_button)
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim", "acknowledged_by")


@admin.register(Story)
class StoryAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "status", "published_at", "open_corrections")
    list_filter = ("status", NeedsCorrectionFilter)
    search_fields = ("title", "slug", "url")
    date_hierarchy = "published_at"
    inlines = (StoryClaimInline, CorrectionFlagInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            open_correction_count=Count("correction_flags", filter=Q(correction_flags__acknowledged_at__isnull=True))
        )

    @admin.display(description="needs correction", ordering="open_correction_count")
    def open_corrections(self, story):
        return story.open_correction_count or ""


class AcknowledgementForm(forms.Form):
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="What was done, e.g. “correction appended to the story”.",
    )


@admin.register(CorrectionFlag)
class CorrectionFlagAdmin(admin.ModelAdmin):
    """Raised by reviews, cleared by an editor's acknowledgement (recorded); never edited or deleted."""

    list_display = ("story", "claim", "reason", "raised_at", "acknowledged_by", "acknowledged_at", acknowledge_button)
    list_filter = (("acknowledged_at", admin.EmptyFieldListFilter), "story__status")
    list_select_related = ("story", "claim", "acknowledged_by")
    search_fields = ("story__title", "claim__label", "reason")
    fields = ("story", "claim", "review", "reason", "raised_at", "acknowledged_by", "acknowledged_at", "acknowledgement")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        acknowledge = path(
            "<path:object_id>/acknowledge/", self.admin_site.admin_view(self.acknowledge_view), name="claims_correctionflag_acknowledge"
        )
        return [acknowledge, *super().get_urls()]

    def acknowledge_view(self, request, object_id):
        flag = self.get_object(request, object_id)
        if flag is None:
            raise Http404("No such correction flag.")
        if not self.has_change_permission(request, flag):
            raise PermissionDenied
        form = AcknowledgementForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                correction_flag_acknowledge(flag=flag, editor=request.user, note=form.cleaned_data["note"])
            except PermissionDenied as refusal:
                messages.error(request, str(refusal))
            except ValidationError as refusal:
                messages.error(request, " ".join(refusal.messages))
            else:
                messages.success(request, f"Acknowledged: “{flag.story}” no longer needs a correction for “{flag.claim}”.")
            return redirect("admin:claims_story_change", flag.story_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Acknowledge a correction flag",
            "flag": flag,
            "form": form,
        }
        return TemplateResponse(request, "admin/claims/correctionflag/acknowledge.html", context)


@admin.register(StoryClaim)
class StoryClaimAdmin(HistoryAdmin):
    list_display = ("story", "usage", "claim")
    list_filter = ("usage",)
    list_select_related = ("story", "claim")
    search_fields = ("story__title", "claim__label")
    autocomplete_fields = ("story", "claim")
