"""API routes (DESIGN §4), mounted under ``/api/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from api import views
from api.captions import CaptionsSrtView, CaptionsVttView

router = DefaultRouter(trailing_slash=True)
router.register("projects", views.ProjectViewSet, basename="project")
router.register("segments", views.SegmentViewSet, basename="segment")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/voices/", views.VoicesView.as_view(), name="voices"),
    path("tasks/<str:task_id>/status/", views.TaskStatusView.as_view(), name="task-status"),
    path("projects/<uuid:id>/captions.srt", CaptionsSrtView.as_view(), name="captions-srt"),
    path("projects/<uuid:id>/captions.vtt", CaptionsVttView.as_view(), name="captions-vtt"),
    *router.urls,
]
