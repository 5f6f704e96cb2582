"""The demo borough: Hackney's real wards and one account per role (and a partner of
each agency, so that the demo story has every agency refer), so that a fresh `make run`
can be tried at once. Demo passwords are for a laptop, never production."""
import json
from pathlib import Path

DEMO_PASSWORD = "wardline-demo-2026"

DEMO_USERS = (
    {"username": "admin", "display_name": "Alex Admin", "role": "admin"},
    {"username": "coordinator", "display_name": "Chris Coordinator", "role": "coordinator"},
    {"username": "yot.partner", "display_name": "Yemi Okafor (YOT)", "role": "partner",
     "agency": "yot", "email": "yot.partner@example.org"},
    {"username": "council.partner", "display_name": "Cara Lewis (Community Safety)",
     "role": "partner", "agency": "la-community-safety", "email": "asb@example.org"},
    {"username": "probation.officer", "display_name": "Priya Shah (Probation)",
     "role": "partner", "agency": "probation", "email": "probation.officer@example.org"},
    {"username": "health.liaison", "display_name": "Helen Achebe (Homerton A&E liaison)",
     "role": "partner", "agency": "health", "email": "health.liaison@example.org"},
    {"username": "school.dsl", "display_name": "Simon Brooks (school safeguarding lead)",
     "role": "partner", "agency": "education", "email": "school.dsl@example.org"},
    {"username": "fire.safety", "display_name": "Fiona Grant (LFB fire safety)",
     "role": "partner", "agency": "fire", "email": "fire.safety@example.org"},
    {"username": "housing.officer", "display_name": "Hamid Rahman (Hackney Housing)",
     "role": "partner", "agency": "housing", "email": "housing.officer@example.org"},
    {"username": "youth.worker", "display_name": "Yasmin Clarke (Youth services)",
     "role": "partner", "agency": "youth-services", "email": "youth.worker@example.org"},
    {"username": "panel.dalston", "display_name": "Pat Reid (Dalston panel)", "role": "panel",
     "wards": ["dalston"]},
    {"username": "sgt.dalston", "display_name": "Sgt Sam Patel", "role": "sergeant",
     "wards": ["dalston", "hackney-central"]},
    {"username": "pcso.dalston", "display_name": "PCSO Jo Murphy", "role": "pcso",
     "wards": ["dalston"]},
    {"username": "biu.analyst", "display_name": "Ana Silva (BIU)", "role": "analyst"},
    {"username": "reviewer", "display_name": "Rowan Hughes", "role": "reviewer",
     "agency": "la-community-safety"},
    {"username": "dpo", "display_name": "Dana Osei (data protection officer)", "role": "dpo"},
)


def ward_register(borough):
    path = Path(__file__).with_name("boroughs") / f"{borough}.json"
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.json"))
        raise SystemExit(f"wardline: no borough '{borough}'; known: {', '.join(known)}")
    return json.loads(path.read_text())["wards"]


def sharing_agreements(borough):
    """The borough file's information sharing agreements, loaded with the demo seed."""
    path = Path(__file__).with_name("boroughs") / f"{borough}.json"
    return json.loads(path.read_text()).get("sharing_agreements", [])
