from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from sources.diff import ADDED, REMOVED, SKIPPED, UNCHANGED, word_diff
from sources.history_admin import HistoryAdmin
from sources.models import Document, DocumentEvent, DocumentKind, EventKind, Excerpt, Source
from sources.services import AUTHOR, PUBLISHER, capture_file, capture_url, link_named_source, named_sources, recheck


class AliasInline(admin.TabularInline):
    model = Source
    fk_name = "alias_of"
    fields = ("name", "kind")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "alias"
    verbose_name_plural = "aliases (other names for this source)"

    def has_add_permission(self, request, obj):
        return False


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    list_display = ("name", "kind", "reliability", "alias_of", "acts_for")
    list_filter = ("kind", "reliability")
    list_select_related = ("alias_of", "acts_for")
    search_fields = ("name", "slug", "description")
    autocomplete_fields = ("alias_of", "acts_for")
    inlines = (AliasInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "description")}),
        ("Reliability", {"fields": ("reliability", "reliability_note")}),
        ("Identity", {"fields": ("alias_of", "acts_for")}),
    )


@admin.display(description="on the page now")
def on_the_page(excerpt):
    """Whether an excerpt's quote is still on its page; where it is gone, since when, linked to the change."""
    if excerpt.gone_in is None:
        return "—"
    url = reverse("admin:sources_documentevent_change", args=[excerpt.gone_in.pk])
    return format_html('<a class="quote-gone" href="{}">Gone since {}</a>', url, f"{excerpt.gone_in.at:%Y-%m-%d}")


class ExcerptInline(admin.TabularInline):
    model = Excerpt
    fields = ("quote", "prefix", "start", "end", "suffix", on_the_page)
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}
    readonly_fields = ("suffix", on_the_page)
    extra = 0

    def get_queryset(self, request):
        # Each row is named after its document: loaded with the row, not by a query per row.
        return super().get_queryset(request).select_related("gone_in", "document")


class DocumentEventInline(admin.TabularInline):
    model = DocumentEvent
    fields = ("at", "kind", "status", "reason", "final_url", "what_changed")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("-at", "-pk")
    verbose_name = "re-check finding"
    verbose_name_plural = "re-check findings (text changes and dead links, the newest first)"

    def get_queryset(self, request):
        # Each row is named after its document: loaded with the row, not by a query per row.
        return super().get_queryset(request).select_related("document")

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def what_changed(self, event):
        if event.kind != EventKind.TEXT_CHANGED:
            return ""
        return format_html('<a href="{}">What changed</a>', reverse("admin:sources_documentevent_change", args=[event.pk]))


RECHECK_ACTION_LIMIT = 10


class PageFilter(admin.SimpleListFilter):
    """Documents by what the latest re-check of their page found."""

    title = "page now"
    parameter_name = "page"

    def lookups(self, request, model_admin):
        return (
            (EventKind.TEXT_CHANGED.value, "text changed since capture"),
            (EventKind.LINK_DEAD.value, "link dead"),
            ("quotes_gone", "an excerpt's quote is gone"),
            ("never_checked", "never re-checked"),
        )

    def queryset(self, request, queryset):
        value = self.value()
        if value == EventKind.LINK_DEAD:
            return queryset.filter(latest_event_kind=EventKind.LINK_DEAD)
        if value == EventKind.TEXT_CHANGED:
            return queryset.filter(events__kind=EventKind.TEXT_CHANGED).distinct()
        if value == "quotes_gone":
            return queryset.filter(excerpts__gone_in__isnull=False).distinct()
        if value == "never_checked":
            return queryset.filter(url__gt="", last_checked_at__isnull=True)
        return queryset


class CaptureForm(forms.Form):
    url = forms.CharField(
        label="URL", required=False, max_length=1000, help_text="The page is read now, and its text kept as it is."
    )
    file = forms.FileField(required=False, help_text="Plain text (.txt), HTML (.html, .htm) or PDF.")
    file_url = forms.CharField(label="the file's URL", required=False, max_length=1000, help_text="Where the file came from, if known.")
    kind = forms.ChoiceField(choices=DocumentKind.choices, initial=DocumentKind.ARTICLE)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url") and cleaned.get("file"):
            raise forms.ValidationError("Give a URL or a file, not both.")
        if not cleaned.get("url") and not cleaned.get("file") and "file" not in self.errors:
            self.add_error("url", "Give the page's URL, or a file to capture.")
        return cleaned


class LinkSourceForm(forms.Form):
    role = forms.ChoiceField(choices=[(PUBLISHER, PUBLISHER), (AUTHOR, AUTHOR)])
    name = forms.CharField()
    source = forms.ModelChoiceField(Source.objects.all(), required=False)


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "kind", "publisher", "date", "page_now", "excerpt_count", "authenticity", "disclosure")
    list_filter = (PageFilter, "kind", "authenticity", "disclosure", "published_precision")
    list_select_related = ("publisher",)
    search_fields = ("title", "slug", "url", "publisher__name")
    autocomplete_fields = ("publisher", "authors", "released_via")
    readonly_fields = ("text_sha256", "final_url", "captured_file", "raw_sha256", "last_checked_at", "page_said")
    inlines = (ExcerptInline, DocumentEventInline)
    actions = ("recheck_pages",)
    change_form_template = "admin/sources/document/change_form.html"
    change_list_template = "admin/sources/document/change_list.html"
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "publisher", "authors")}),
        ("Date", {"fields": ("published", "published_precision", "date_note")}),
        ("Where", {"fields": ("url", "archive_url", "retrieved_at", "last_checked_at")}),
        ("Text snapshot", {"fields": ("text", "text_sha256")}),
        ("Capture", {"fields": ("final_url", "captured_file", "raw_sha256", "page_said")}),
        ("Disclosure", {"fields": ("disclosure", "authenticity", "released_via", "disclosure_note")}),
        (None, {"fields": ("notes",)}),
    )

    class Media:
        css = {"all": ("sources/capture.css",)}

    def get_readonly_fields(self, request, obj=None):
        # What a capture read is evidence (Document.clean refuses edits to it): shown, not offered for editing.
        captured = ("text", "url", "retrieved_at") if obj is not None and obj.raw_sha256 else ()
        return (*super().get_readonly_fields(request, obj), *captured)

    def get_queryset(self, request):
        latest_kind = DocumentEvent.objects.filter(document=OuterRef("pk")).reverse().values("kind")[:1]
        return super().get_queryset(request).annotate(excerpt_count=Count("excerpts"), latest_event_kind=Subquery(latest_kind))

    def get_urls(self):
        name = "sources_document"
        return [
            path("capture/", self.admin_site.admin_view(self.capture_view), name=f"{name}_capture"),
            path("<path:object_id>/recheck/", self.admin_site.admin_view(self.recheck_view), name=f"{name}_recheck"),
            path("<path:object_id>/link-source/", self.admin_site.admin_view(self.link_source_view), name=f"{name}_link_source"),
            *super().get_urls(),
        ]

    @admin.display(description="date", ordering="published")
    def date(self, document):
        return document.date_display

    @admin.display(description="excerpts", ordering="excerpt_count")
    def excerpt_count(self, document):
        return document.excerpt_count

    @admin.display(description="page now")
    def page_now(self, document):
        return EventKind(document.latest_event_kind).label if document.latest_event_kind else ""

    @admin.display(description="what the page said of itself")
    def page_said(self, document):
        said = document.captured_metadata
        if not said:
            return "—"
        rows = [("title", said.get("title")), ("authors", "; ".join(said.get("authors", []))), ("date", said.get("date")), ("publisher", said.get("publisher"))]
        return format_html_join("\n", "<div><strong>{}</strong>: {}</div>", ((label, value or "not given") for label, value in rows))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context = {
                **context,
                "named_sources": named_sources(obj),
                "can_recheck": bool(obj.url) and self.has_change_permission(request, obj),
                "can_add_sources": self.admin_site._registry[Source].has_add_permission(request),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    def capture_view(self, request):
        """Capture a page or a file as a new document, then open it; a refusal is shown on the field at fault."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CaptureForm(request.POST, request.FILES) if request.method == "POST" else CaptureForm()
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["file"]:
                    upload = data["file"]
                    document = capture_file(upload.name, upload, kind=data["kind"], url=data["file_url"], by=request.user)
                else:
                    document = capture_url(data["url"], kind=data["kind"], by=request.user)
            except ValidationError as refusal:
                _show_refusal(form, refusal, renamed={"url": "file_url"} if data["file"] else {})
            else:
                messages.success(request, f"Captured “{document.title}”: {len(document.text):,} characters of text.")
                return redirect("admin:sources_document_change", document.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Capture a page or a file",
            "form": form,
        }
        return TemplateResponse(request, "admin/sources/document/capture.html", context)

    def recheck_view(self, request, object_id):
        document = self.get_object(request, object_id)
        if document is None:
            raise Http404("No such document.")
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        if request.method == "POST":
            self._recheck(request, document)
        return redirect("admin:sources_document_change", document.pk)

    @admin.action(description="Re-check the pages of the selected documents", permissions=["change"])
    def recheck_pages(self, request, queryset):
        if queryset.count() > RECHECK_ACTION_LIMIT:
            # Each page is read within this request, up to CAPTURE_DEADLINE_SECONDS apiece.
            messages.error(request, f"Select at most {RECHECK_ACTION_LIMIT} documents to re-check at once; recheck_documents re-checks them all.")
            return
        for document in queryset.exclude(url=""):
            self._recheck(request, document)
        for document in queryset.filter(url=""):
            messages.warning(request, f"“{document.title}” has no URL to re-check.")

    def _recheck(self, request, document):
        try:
            rechecked = recheck(document, by=request.user)
        except ValidationError as refusal:
            messages.error(request, f"“{document.title}”: {' '.join(refusal.messages)}")
        else:
            report = messages.warning if rechecked.event and rechecked.event.kind != EventKind.LINK_BACK else messages.success
            report(request, f"“{document.title}”: {rechecked.summary}.")

    def link_source_view(self, request, object_id):
        """Link a source the captured page named, or create it when none goes by that name."""
        document = self.get_object(request, object_id)
        if document is None:
            raise Http404("No such document.")
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        if request.method == "POST":
            self._link_source(request, document)
        return redirect("admin:sources_document_change", document.pk)

    def _link_source(self, request, document):
        form = LinkSourceForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
            return
        data = form.cleaned_data
        if data["source"] is None and not self.admin_site._registry[Source].has_add_permission(request):
            raise PermissionDenied
        try:
            linked = link_named_source(document, by=request.user, **data)
        except ValidationError as refusal:
            for field, errors in refusal.message_dict.items():
                messages.error(request, f"{field}: {' '.join(errors)}")
        else:
            messages.success(request, f"Linked “{linked}” as the document's {data['role']}.")


def _show_refusal(form, refusal, *, renamed):
    """A service's refusal shown on the form's field it names, or above the form."""
    for field, errors in refusal.message_dict.items():
        field = renamed.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


DIFF_MARKUP = {UNCHANGED: "{}", REMOVED: "<del>{}</del>", ADDED: "<ins>{}</ins>", SKIPPED: '<span class="skipped"> … {} … </span>'}


@admin.register(DocumentEvent)
class DocumentEventAdmin(admin.ModelAdmin):
    """What re-checks found: read-only, since it is the record of what the page said and when."""

    list_display = ("document", "kind", "at", "status", "reason", "checked_by")
    list_filter = ("kind",)
    list_select_related = ("document", "checked_by")
    search_fields = ("document__title", "url", "reason")
    date_hierarchy = "at"
    fields = ("document", "kind", "at", "checked_by", "url", "final_url", "status", "reason", "text_sha256", "raw_sha256", "changes", "excerpts_gone")
    readonly_fields = fields

    class Media:
        css = {"all": ("sources/capture.css",)}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="what changed, from the text known before")
    def changes(self, event):
        if event.kind != EventKind.TEXT_CHANGED:
            return "—"
        pieces = word_diff(event.previous_text(), event.text)
        marked = "".join(format_html(DIFF_MARKUP[piece.change], piece.text) for piece in pieces)
        return format_html('<div class="text-diff">{}</div>', mark_safe(marked))

    @admin.display(description="excerpts whose quotes it lacked")
    def excerpts_gone(self, event):
        excerpts = event.excerpts_gone.all()
        if not excerpts:
            return "—"
        return format_html_join("\n", "<div>“{}”</div>", ((excerpt.short_quote,) for excerpt in excerpts))


class QuoteOnThePageFilter(admin.SimpleListFilter):
    title = "quote on the page now"
    parameter_name = "quote"

    def lookups(self, request, model_admin):
        return (("gone", "gone from the page"), ("there", "still there (or never re-checked)"))

    def queryset(self, request, queryset):
        if self.value() in ("gone", "there"):
            return queryset.filter(gone_in__isnull=self.value() == "there")
        return queryset


@admin.register(Excerpt)
class ExcerptAdmin(HistoryAdmin):
    list_display = ("short_quote", "document", "start", "end", on_the_page)
    list_select_related = ("document", "gone_in")
    list_filter = (QuoteOnThePageFilter, "document__kind")
    search_fields = ("quote", "document__title")
    autocomplete_fields = ("document",)
    fields = ("document", "quote", "prefix", "start", "end", "suffix", on_the_page)
    readonly_fields = ("suffix", on_the_page)

    class Media:
        css = {"all": ("sources/capture.css",)}

    @admin.display(description="quote")
    def short_quote(self, excerpt):
        return excerpt.short_quote
