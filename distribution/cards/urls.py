from django.urls import path

from distribution.cards import views

app_name = "cards"
urlpatterns = [
    path("", views.card_list_page, name="list"),
    path("issue/", views.cards_issue, name="issue"),
    path("print/", views.cards_print, name="print"),
    path("request/", views.card_request_page, name="request"),
    path("prints/<int:pk>/", views.print_job_page, name="print-job"),
    path("prints/<int:pk>/file/", views.print_job_file, name="print-file"),
    path("<int:pk>/", views.card_detail, name="detail"),
    path("<int:pk>/card.pdf", views.card_print_single, name="pdf"),
    path("<int:pk>/<slug:action>/", views.card_action, name="action"),
]
