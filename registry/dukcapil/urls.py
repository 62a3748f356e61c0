from django.urls import path

from registry.dukcapil import views

app_name = "dukcapil"
urlpatterns = [
    path("", views.run_list_page, name="runs"),
    path("runs/start/", views.run_start_page, name="run-start"),
    path("runs/<int:pk>/", views.run_detail_page, name="run"),
    path("review/", views.review_queue_page, name="review"),
    path("review/bulk/", views.review_bulk_page, name="review-bulk"),
    path("outcomes/<int:pk>/", views.outcome_detail_page, name="outcome"),
    path("extracts/", views.extract_list_page, name="extracts"),
    path("extracts/<int:pk>/", views.extract_detail_page, name="extract"),
]
