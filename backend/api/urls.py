"""API routes (DESIGN §4), mounted under ``/api/``."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from api import views
from api.captions import CaptionsFileView

router = DefaultRouter(trailing_slash=True)
router.register("projects", views.ProjectViewSet, basename="project")
router.register("segments", views.SegmentViewSet, basename="segment")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/voices/", views.VoicesView.as_view(), name="voices"),
    path("tasks/<str:task_id>/status/", views.TaskStatusView.as_view(), name="task-status"),
    re_path(
        r"^projects/(?P<pk>[0-9a-f-]{36})/captions\.(?P<fmt>srt|vtt)$", CaptionsFileView.as_view(), name="captions-file"
    ),
    *router.urls,
]
