from django.contrib.admin.apps import AdminConfig


class ProvenanceAdminConfig(AdminConfig):
    default_site = "provenance.admin_site.ProvenanceAdminSite"
