from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Provenance"
admin.site.site_title = "Provenance"
admin.site.index_title = "Claims, sources and their provenance"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
]
