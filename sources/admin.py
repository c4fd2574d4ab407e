from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count

from sources.history_admin import HistoryAdmin
from sources.models import Document, Excerpt, Source


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


class ExcerptInline(admin.TabularInline):
    model = Excerpt
    fields = ("quote", "prefix", "start", "end", "suffix")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}
    readonly_fields = ("suffix",)
    extra = 0


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "kind", "publisher", "date", "authenticity", "disclosure", "excerpt_count")
    list_filter = ("kind", "authenticity", "disclosure", "published_precision")
    list_select_related = ("publisher",)
    search_fields = ("title", "slug", "url", "publisher__name")
    autocomplete_fields = ("publisher", "authors", "released_via")
    readonly_fields = ("text_sha256",)
    inlines = (ExcerptInline,)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "publisher", "authors")}),
        ("Date", {"fields": ("published", "published_precision", "date_note")}),
        ("Where", {"fields": ("url", "archive_url", "retrieved_at")}),
        ("Text snapshot", {"fields": ("text", "text_sha256")}),
        ("Disclosure", {"fields": ("disclosure", "authenticity", "released_via", "disclosure_note")}),
        (None, {"fields": ("notes",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(excerpt_count=Count("excerpts"))

    @admin.display(description="date", ordering="published")
    def date(self, document):
        return document.date_display

    @admin.display(description="excerpts", ordering="excerpt_count")
    def excerpt_count(self, document):
        return document.excerpt_count


@admin.register(Excerpt)
class ExcerptAdmin(HistoryAdmin):
    list_display = ("short_quote", "document", "start", "end")
    list_select_related = ("document",)
    list_filter = ("document__kind",)
    search_fields = ("quote", "document__title")
    autocomplete_fields = ("document",)
    fields = ("document", "quote", "prefix", "start", "end", "suffix")
    readonly_fields = ("suffix",)

    @admin.display(description="quote")
    def short_quote(self, excerpt):
        return excerpt.short_quote
