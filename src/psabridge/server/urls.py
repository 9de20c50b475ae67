"""URL routes of every page, the REST API and the GravityZone webhook."""

from django.contrib.auth import views as auth_views
from django.urls import path

from psabridge.server.alerts import receiver
from psabridge.server.alerts import views as alert_views
from psabridge.server.api import api
from psabridge.server.core import connection_views
from psabridge.server.core import views as core_views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", core_views.dashboard, name="dashboard"),
    path("connections/", core_views.connections, name="connections"),
    path("connections/<str:system>/", connection_views.connection_page, name="connection"),
    path(
        "connections/<str:system>/validate",
        connection_views.connection_validate,
        name="connection_validate",
    ),
    path("connections/<str:system>/save", connection_views.connection_save, name="connection_save"),
    path("connections/gravityzone/push/enable", alert_views.push_enable, name="push_enable"),
    path("connections/gravityzone/push/check", alert_views.push_check, name="push_check"),
    path("connections/gravityzone/push/test", alert_views.push_test, name="push_test"),
    path("connections/gravityzone/push/rotate", alert_views.push_rotate, name="push_rotate"),
    path("mappings/", core_views.mappings, name="mappings"),
    path("ticketing/", core_views.ticketing, name="ticketing"),
    path("billing/", core_views.billing, name="billing"),
    path("alerts/", alert_views.alert_list, name="alerts"),
    path("alerts/ignored/", alert_views.ignored_events, name="alerts_ignored"),
    path("alerts/<int:alert_id>/", alert_views.alert_detail, name="alert_detail"),
    path("events/", core_views.events, name="events"),
    path("events/recheck", core_views.events_recheck, name="events_recheck"),
    path("events/<int:event_id>/ignore", core_views.event_ignore, name="event_ignore"),
    path("status/", core_views.status, name="status"),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", core_views.metrics, name="metrics"),
    path(
        "webhooks/gravityzone/<uuid:receiver_id>",
        receiver.gravityzone_webhook,
        name="gravityzone_webhook",
    ),
    path("api/", api.urls),
]
