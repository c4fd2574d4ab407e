from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from provenance.api_router import router

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
]
