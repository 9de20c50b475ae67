"""URL routes of every page, the REST API and the GravityZone webhook."""

from django.contrib.auth import views as auth_views
from django.urls import path

from psabridge.server.alerts import receiver
from psabridge.server.alerts import views as alert_views
from psabridge.server.api import api
from psabridge.server.billing import invoice_views, push_views
from psabridge.server.billing import views as billing_views
from psabridge.server.billing.periods import views as period_views
from psabridge.server.core import connection_views, login_views
from psabridge.server.core import views as core_views
from psabridge.server.dashboard import views as dashboard_views
from psabridge.server.mappings import views as mapping_views
from psabridge.server.ticketing import views as ticketing_views

urlpatterns = [
    path("login/", login_views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard_views.dashboard, name="dashboard"),
    path("setup/", dashboard_views.setup_guide, name="setup"),
    path("setup/skip", dashboard_views.setup_skip, name="setup_skip"),
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
    path("mappings/", mapping_views.mapping_list, name="mappings"),
    path("mappings/refresh", mapping_views.mapping_refresh, name="mappings_refresh"),
    path("mappings/confirm", mapping_views.mapping_confirm, name="mappings_confirm"),
    path(
        "mappings/confirm-suggested",
        mapping_views.mapping_confirm_suggested,
        name="mappings_confirm_suggested",
    ),
    path("mappings/update", mapping_views.mapping_update, name="mappings_update"),
    path("mappings/import", mapping_views.mapping_import, name="mappings_import"),
    path("mappings/auto-import", mapping_views.mapping_auto_import, name="mappings_auto_import"),
    path("mappings/<int:mapping_id>/delete", mapping_views.mapping_delete, name="mapping_delete"),
    path("ticketing/", ticketing_views.ticketing_page, name="ticketing"),
    path("ticketing/save", ticketing_views.ticketing_save, name="ticketing_save"),
    path("ticketing/test/<str:kind>", ticketing_views.ticketing_test, name="ticketing_test"),
    path("billing/", billing_views.usage_overview, name="billing"),
    path("billing/collect", billing_views.usage_collect, name="billing_collect"),
    path("billing/agreements/", period_views.period_billing, name="period_billing"),
    path("billing/agreements/save", period_views.period_billing_save, name="period_billing_save"),
    path(
        "billing/agreements/preview",
        period_views.period_billing_preview,
        name="period_billing_preview",
    ),
    path("billing/agreements/sync", period_views.period_billing_sync, name="period_billing_sync"),
    path("billing/products", billing_views.product_mapping_save, name="billing_products"),
    path("billing/preview", push_views.billing_preview, name="billing_preview"),
    path("billing/review", push_views.billing_review, name="billing_review"),
    path("billing/push", push_views.billing_push, name="billing_push"),
    path("billing/recalculate", push_views.billing_recalculate, name="billing_recalculate"),
    path("billing/runs/<int:run_id>/", push_views.billing_run, name="billing_run"),
    path("billing/stale/<int:mapping_id>", push_views.stale_remove, name="billing_stale_remove"),
    path("mappings/<int:mapping_id>/billing", billing_views.custom_billing, name="mapping_billing"),
    path(
        "mappings/<int:mapping_id>/invoice/adopt",
        invoice_views.invoice_adopt,
        name="mapping_invoice_adopt",
    ),
    path(
        "mappings/<int:mapping_id>/invoice/check",
        invoice_views.invoice_check,
        name="mapping_invoice_check",
    ),
    path(
        "billing/<str:company_id>/<str:month>/", billing_views.usage_company, name="billing_company"
    ),
    path("alerts/", alert_views.alert_list, name="alerts"),
    path("alerts/ignored/", alert_views.ignored_events, name="alerts_ignored"),
    path("alerts/<int:alert_id>/", alert_views.alert_detail, name="alert_detail"),
    path("events/", dashboard_views.events, name="events"),
    path("events/recheck", dashboard_views.events_recheck, name="events_recheck"),
    path("events/<int:event_id>/ignore", dashboard_views.event_ignore, name="event_ignore"),
    path("events/<int:event_id>/resolve", dashboard_views.event_resolve, name="event_resolve"),
    path("status/", dashboard_views.status, name="status"),
    path("healthz", dashboard_views.healthz, name="healthz"),
    path("metrics", dashboard_views.metrics, name="metrics"),
    path(
        "webhooks/gravityzone/<uuid:receiver_id>",
        receiver.gravityzone_webhook,
        name="gravityzone_webhook",
    ),
    path("api/", api.urls),
]
