"""The public claim pages."""

from django.urls import path

from claims import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="claim_list"),
    path("<slug:slug>/", views.claim_detail, name="claim_detail"),
]
