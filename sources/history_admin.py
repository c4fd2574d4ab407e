"""The admin's side of history, shared by every tracked model's admin.

django-simple-history gives each record a history page (who, when, what changed from the version
before) and a page per version with a Revert button. This adds a comparison of any two versions,
prepares a revert so it saves as the next version (sources.history.VersionedModel), and lists the
deletion guards' reasons (sources.validation) on the delete page.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import get_m2m_reverse_field_name

from sources.history import VersionedModel, version_delta
from sources.validation import deletion_refusals

class HistoryAdmin(SimpleHistoryAdmin):
    object_history_template = "admin/history/object_history.html"
    change_list_template = "admin/history/change_list.html"
    # django-simple-history diffs many-to-many rows with a query or two per version shown: a
    # page of 25 keeps a claim's history page near a hundred queries however long its history.
    history_list_per_page = 25

    def get_urls(self):
        opts = self.model._meta
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.history_compare_view),
            name=f"{opts.app_label}_{opts.model_name}_history_compare",
        )
        deleted = path("deleted/", self.admin_site.admin_view(self.deleted_view), name=f"{opts.app_label}_{opts.model_name}_deleted")
        return [compare, deleted, *super().get_urls()]

    def deleted_view(self, request):
        """Records deleted and not restored, the latest first: each opens its history, where a version restores it."""
        if not self.has_view_history_or_change_history_permission(request, None):
            raise PermissionDenied
        deletions = (
            self.model.history.filter(history_type="-")
            .exclude(id__in=self.model._base_manager.values("pk"))
            .select_related("history_user")
            .order_by("-history_date")
        )
        latest_per_record = {}
        for deletion in deletions[:500]:
            latest_per_record.setdefault(deletion.id, deletion)
        # Named by a field of their own: most models' names follow links, a query per row.
        label_field = next((name for name in ("label", "title", "name", "key", "slug") if hasattr(self.model, name)), None)
        for deletion in latest_per_record.values():
            deletion.label = getattr(deletion, label_field) if label_field else f"#{deletion.id}"
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": f"Deleted {opts.verbose_name_plural}",
            "deletions": latest_per_record.values(),
            "history_url_name": f"admin:{opts.app_label}_{opts.model_name}_history",
        }
        return TemplateResponse(request, "admin/history/deleted.html", context)

    def history_compare_view(self, request, object_id):
        """Two versions side by side: each field that differs, its value in each."""
        if not self.has_view_history_or_change_history_permission(request, None):
            raise PermissionDenied
        versions = self.model.history.filter(id=object_id)
        older_id, newer_id = request.GET.get("older", ""), request.GET.get("newer", "")
        if not (older_id.isdigit() and newer_id.isdigit()):
            raise Http404("Choose two versions to compare (older and newer).")
        older = get_object_or_404(versions, history_id=older_id)
        newer = get_object_or_404(versions, history_id=newer_id)
        if older.history_date > newer.history_date:
            older, newer = newer, older
        delta = version_delta(newer, older, foreign_keys_are_objs=True)
        fields = {field.name: field.verbose_name for field in self.model._meta.get_fields() if hasattr(field, "verbose_name")}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Compare versions of {newer.instance}",
            "object_id": object_id,
            "older": older,
            "newer": newer,
            "changes": [(fields.get(change.field, change.field), change.old, change.new) for change in delta.changes],
            "history_url": reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_history", args=[object_id]),
        }
        return TemplateResponse(request, "admin/history/compare.html", context)

    def history_view(self, request, object_id, extra_context=None):
        versions = self.model.history.filter(id=object_id).select_related("history_user").order_by("-history_date")
        opts = self.model._meta
        extra = {
            "versions": versions[:200],
            "compare_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_history_compare", args=[object_id]),
        }
        return super().history_view(request, object_id, extra_context={**extra, **(extra_context or {})})

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Each version's changes from the one before, in every tracked field (see version_delta)."""
        records = list(historical_records)
        for newer, older in zip(records, records[1:]):
            delta = version_delta(newer, older, foreign_keys_are_objs=foreign_keys_are_objs)
            newer.history_delta_changes = self.get_historical_record_context_helper(request, newer).context_for_delta_changes(delta)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history lets anyone who may view the history save a version page: reverting
        # (or restoring a deleted record) changes the record, so it takes the right to change it.
        if request.method == "POST":
            exists = self.model._base_manager.filter(pk=object_id).exists() if str(object_id).isdigit() else False
            allowed = self.has_change_permission(request) if exists else self.has_add_permission(request)
            if not allowed:
                raise PermissionDenied
        request.history_version_id = version_id  # for get_form, which the version page calls
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        version_id = getattr(request, "history_version_id", None)
        if obj is None or version_id is None:
            return form
        # The version page's form is built from a past version: for the revert to save, it must
        # carry the current version number and keep what only the workflow changes...
        if isinstance(obj, VersionedModel):
            obj.prepare_revert()
        # ...and show that version's many-to-many values, which a form otherwise reads from the
        # record as it is now.
        version = self.model.history.get(history_id=version_id)
        past_values = {
            field.name: list(getattr(version, field.name).values_list(get_m2m_reverse_field_name(field), flat=True))
            for field in version._history_m2m_fields
        }

        class VersionForm(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**past_values, **kwargs.get("initial", {})}
                super().__init__(*args, **kwargs)

        return VersionForm

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = sorted({f"{obj}: {reason}" for obj in objs for reason in deletion_refusals(obj)})
        if not refusals:
            return deleted, model_count, perms_needed, protected
        # Django's page shows missing permissions instead of protected objects; a guard forbids the
        # deletion whoever asks, so its reason is what the page must say.
        return deleted, model_count, set(), [*refusals, *protected]
