"""Recording every collection, alteration, consultation, disclosure and combination of a
person's data made through the API, and the admins' view of that trail."""
from services.gateway import audit
from services.gateway.apidoc import AuditEntryView, page_of
from services.gateway.http import api, page_limit
from shared.consumers import domain_event_handler

SYSTEM = {"username": "wardline", "role": "system", "agency": None}


class AuditRoutes:
    def record_access(self, request, action, record_type, record_ids, purpose, recipient=None):
        """Write one audit row for what this request did (in its own transaction: the
        data has already been read or changed by the owning service)."""
        if not record_ids:
            return
        with self.uow:
            audit.record(self.uow.session, request.principal, action, record_type, record_ids,
                         audit.purpose_of(request, purpose),
                         correlation_id=request.correlation_id,
                         recipient=recipient)

    def audited(self, request, action, record_type, result, purpose):
        """Record `action` on the record(s) in `result` (one, or a page of `items`), and
        hand `result` back, so a route reads `return self.audited(..., rpc(...), ...)`."""
        records = result["items"] if "items" in result else [result]
        self.record_access(request, action, record_type, [r["id"] for r in records], purpose)
        return result

    @api("GET", "/api/audit", roles=("admin",), response=page_of(AuditEntryView),
         query=audit.AuditQuery(exclude=("limit", "cursor")))
    def audit_trail(self, request):
        with self.uow:
            result = audit.search(self.uow.session, request.args.to_dict(), page_limit(request))
        return result

    @domain_event_handler("referrals", "subject.linked")
    def audit_subject_link(self, event):
        """Joining two people's records is a combination of personal data, whoever did it."""
        with self.uow:
            if not self.uow.first_time(event):
                return
            payload = event.payload
            action = "combination" if payload["action"] == "linked" else "alteration"
            who = event.actor if event.actor.get("role") != "system" else SYSTEM
            audit.record(self.uow.session, who, action, "subject",
                         [payload["subject_id"], payload["linked_subject_id"]],
                         f"subject records {payload['action']} ({payload['method']})",
                         correlation_id=event.correlation_id, event_id=event.event_id)
