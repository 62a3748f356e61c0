from django.urls import path

from registry import assessment_views as assessment
from registry import import_views as imports
from registry import views
from registry.household_edit_views import household_action

app_name = "registry"
urlpatterns = [
    path("", views.household_search, name="search"),
    path("households/new/", views.household_register_page, name="register"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/assessment/", assessment.assessment_panel, name="assessment"),
    path("households/<int:pk>/assess/", assessment.assessment_new, name="assessment-new"),
    path("rulesets/", assessment.ruleset_list_page, name="rulesets"),
    path("rulesets/new/", assessment.ruleset_upload, name="ruleset-upload"),
    path("rulesets/<int:pk>/", assessment.ruleset_detail, name="ruleset"),
    path("rulesets/<int:pk>/simulate/", assessment.ruleset_simulate_page, name="ruleset-simulate"),
    path("rulesets/<int:pk>/activate/", assessment.ruleset_activate_page, name="ruleset-activate"),
    path("households/<int:pk>/edit/<slug:action>/", household_action, name="household-action"),
    path(
        "households/<int:pk>/members/<int:person_id>/<slug:action>/",
        household_action,
        name="member-action",
    ),
    path("households/<int:pk>/desil/", imports.household_desil_history, name="household-desil"),
    path("export.xlsx", imports.household_export, name="export"),
    path("exports/<int:pk>/", imports.household_export_job, name="export-job"),
    path("exports/<int:pk>/file/", imports.household_export_download, name="export-file"),
    path("imports/", imports.import_index, name="import"),
    path("imports/jobs/<int:pk>/", imports.import_job, name="import-job"),
    path("imports/jobs/<int:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/<slug:kind>/", imports.import_upload, name="import-upload"),
    path("imports/<slug:kind>.<slug:fmt>", imports.import_template, name="import-template"),
]
