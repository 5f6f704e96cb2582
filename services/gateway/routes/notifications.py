"""The inbox, email choices and the contact directory (notifications service)."""
from marshmallow import fields

from services.gateway.schemas import page_of
from services.gateway.http import actor, api, boolean_arg, json_body, page_limit
from shared.contracts.notifications import (ContactView, DirectoryEntrySchema, FailedEmailView,
                                           NotificationView)
from shared.vocabulary import ROLES


class NotificationRoutes:
    @api("GET", "/api/notifications", roles=ROLES, response=page_of(NotificationView),
         query={"unread": fields.Boolean()})
    def inbox(self, request):
        unread_only = boolean_arg(request, "unread")
        return self.notifications.inbox(actor(request.principal), unread_only,
                                        page_limit(request), request.args.get("cursor"))

    @api("POST", "/api/notifications/<string:notification_id>/read", roles=ROLES,
         response=NotificationView)
    def mark_read(self, request, notification_id):
        return self.notifications.mark_read(notification_id, actor(request.principal))

    @api("POST", "/api/notifications/preferences", roles=ROLES)
    def set_email_preference(self, request):
        return self.notifications.set_email_preference(actor(request.principal),
                                                       json_body(request).get("email"))

    @api("GET", "/api/notifications/failed-emails", roles=("admin",),
         response=page_of(FailedEmailView))
    def failed_emails(self, request):
        return {"items": self.notifications.failed_emails(page_limit(request)),
                "next_cursor": None}

    @api("GET", "/api/directory", roles=ROLES, response=page_of(ContactView),
         query={"ward": fields.String(), "agency": fields.String(),
                "inactive": fields.Boolean(metadata={
                    "description": "true: disabled accounts too, each `active: false`"})})
    def directory(self, request):
        # Named only when asked for: a notifications process older than the argument
        # still answers the plain directory during a rolling upgrade.
        inactive = {"inactive": True} if boolean_arg(request, "inactive") else {}
        return self.notifications.directory(request.args.get("ward"),
                                            request.args.get("agency"), page_limit(request),
                                            request.args.get("cursor"), **inactive)

    @api("POST", "/api/directory", roles=("admin",), request=DirectoryEntrySchema,
         response=ContactView, status=201)
    def add_directory_entry(self, request):
        return 201, self.notifications.add_directory_entry(json_body(request),
                                                           actor(request.principal))

    @api("POST", "/api/directory/<string:contact_id>/confirm", roles=ROLES,
         response=ContactView)
    def confirm_directory_entry(self, request, contact_id):
        return self.notifications.confirm_directory_entry(contact_id,
                                                          actor(request.principal))
