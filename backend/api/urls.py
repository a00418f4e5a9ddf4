"""API routes (DESIGN §4), mounted under ``/api/``."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from api import job_views, segment_views, views
from api.captions import CaptionsSrtView, CaptionsVttView

router = DefaultRouter(trailing_slash=True)
router.register("projects", views.ProjectViewSet, basename="project")
router.register("segments", segment_views.SegmentViewSet, basename="segment")

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/voices/", views.VoicesView.as_view(), name="voices"),
    path("tasks/<str:task_id>/status/", views.TaskStatusView.as_view(), name="task-status"),
    path("projects/<uuid:id>/captions.srt", CaptionsSrtView.as_view(), name="captions-srt"),
    path("projects/<uuid:id>/captions.vtt", CaptionsVttView.as_view(), name="captions-vtt"),
    # Jobs (api.job_views): readiness, job records and their logs, render cancel.
    path("ready/", job_views.ReadyView.as_view(), name="ready"),
    path("jobs/<str:job_id>/", job_views.JobDetailView.as_view(), name="job-detail"),
    path("jobs/<str:job_id>/log/", job_views.JobLogView.as_view(), name="job-log"),
    *router.urls,
]
