"""The `wardline` command: run services, migrate, manage users, seed the demo borough."""
import warnings

warnings.filterwarnings("ignore", message="\nEventlet is deprecated")  # chosen by nameko
# eventlet's dnspython loads DSA from `cryptography` (ours for the second factor) if present
warnings.filterwarnings("ignore", message="DSA is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything else imports socket, threading or psycopg2

import argparse  # noqa: E402
import sys  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from shared.config import (ConfigError, database_admin_url, database_direct_url,  # noqa: E402
                           database_pooled, database_url, load_config, settings_table)
from wardline.services import SERVICES, commands_of  # noqa: E402

CLI_ACTOR = {"username": "wardline-cli", "role": "admin", "agency": None}
HELP = "Wardline: joint tasking and case review for neighbourhood policing partnerships."


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "command"):
        parser.print_help()
        return 2
    try:
        return args.command(args) or 0
    except ConfigError as exc:
        print(f"wardline: {exc}", file=sys.stderr)
        return 2


def _parser():
    parser = argparse.ArgumentParser(prog="wardline", description=HELP)
    commands = parser.add_subparsers(metavar="COMMAND")

    run = commands.add_parser("run", help="run services in the foreground (all: every one)")
    run.add_argument("services", nargs="+", metavar="SERVICE",
                     help=f"one or more of: {', '.join(SERVICES)}, or all")
    run.add_argument("--story", action="store_true",
                     help="with all: once the stack is healthy, play the demo story into "
                          "it (`wardline demo story`; nothing if it has referrals already)")
    run.set_defaults(command=cmd_run)

    migrate = commands.add_parser("migrate", help="bring databases and queues up to date")
    migrate.add_argument("services", nargs="*", metavar="SERVICE", help="default: all")
    migrate.set_defaults(command=cmd_migrate)

    revision = commands.add_parser("makemigration",
                                   help="autogenerate a migration for one service")
    revision.add_argument("service", choices=SERVICES)
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(command=cmd_makemigration)

    users = commands.add_parser("users", help="manage user accounts").add_subparsers(
        metavar="ACTION")
    add = users.add_parser("add", help="add an account (password from --password-stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True)
    add.add_argument("--agency")
    add.add_argument("--ward", action="append", default=[], dest="wards",
                     help="a ward code; repeat for several")
    add.add_argument("--email")
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input (required)")
    add.set_defaults(command=cmd_users_add)
    set_password = users.add_parser(
        "set-password", help="give an account a new password (from --password-stdin); "
                             "every token issued before it is refused")
    set_password.add_argument("username")
    set_password.add_argument("--password-stdin", action="store_true",
                              help="read the password from standard input (required)")
    set_password.add_argument("--one-time", action="store_true",
                              help="good for one sign-in, which must choose a new password")
    set_password.set_defaults(command=cmd_users_set_password)

    demo = commands.add_parser("demo", help="the demo borough").add_subparsers(
        metavar="ACTION")
    seed = demo.add_parser("seed", help="load the ward register and one account per role")
    seed.add_argument("--if-empty", action="store_true",
                      help="do nothing when accounts already exist")
    seed.add_argument("--force", action="store_true",
                      help="seed even when accounts other than the demo ones exist (adds "
                           "accounts with a published password to a real database)")
    seed.set_defaults(command=cmd_demo_seed)
    story = demo.add_parser(
        "story", help="play about three months of the borough's work into the running "
                      "stack, over its HTTP API (only when it has no referrals yet)")
    story.add_argument("--url", help="the gateway (default: WARDLINE_HTTP_HOST and _PORT)")
    story.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                       help="wait this long for the stack to be healthy first")
    story.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                       help="how long to wait for each asynchronous effect")
    story.set_defaults(command=cmd_demo_story)

    dlq = commands.add_parser("dlq", help="the dead-letter queue").add_subparsers(
        metavar="ACTION")
    dlq_list = dlq.add_parser("list", help="show parked messages: id, type, reason, body")
    dlq_list.set_defaults(command=cmd_dlq_list)
    dlq_replay = dlq.add_parser("replay", help="put parked messages back on their queues")
    dlq_replay.add_argument("ids", nargs="*", metavar="ID", help="the messages to replay")
    dlq_replay.add_argument("--all", action="store_true", dest="everything",
                            help="replay every parked message; needs --count")
    dlq_replay.add_argument("--count", type=int,
                            help="with --all: how many you expect (as dlq list showed); "
                                 "any other number replays nothing")
    dlq_replay.set_defaults(command=cmd_dlq_replay)

    broker = commands.add_parser(
        "broker-definitions",
        help="RabbitMQ users and permissions, one user per service (load_definitions)")
    broker.add_argument("--vhost", default="/")
    broker.add_argument("--pattern", default="wardline-{service}",
                        help="each service's user (WARDLINE_BUS_PRODUCERS)")
    broker.add_argument("--passwords-from-env", action="store_true",
                        help="hash in each user's password from RABBITMQ_<NAME>_PASSWORD "
                             "(RABBITMQ_GATEWAY_PASSWORD ... RABBITMQ_OPERATOR_PASSWORD); "
                             "without them no user can log in")
    broker.set_defaults(command=cmd_broker_definitions)

    rebuild = commands.add_parser("casereview-rebuild",
                                  help="rebuild case reviews' chronology from its event log")
    rebuild.set_defaults(command=cmd_casereview_rebuild)

    audit = commands.add_parser("audit", help="the audit trail").add_subparsers(
        metavar="ACTION")
    verify = audit.add_parser("verify", help="check the audit trail's hash chain; "
                                             "exits 1 naming the first row that breaks it")
    verify.set_defaults(command=cmd_audit_verify)

    config = commands.add_parser("config", help="print every WARDLINE_* setting")
    config.set_defaults(command=lambda _args: print(settings_table()))
    return parser


def cmd_run(args):
    from wardline import runner

    names = list(SERVICES) if args.services == ["all"] else args.services
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        sys.exit(f"wardline: unknown service {', '.join(unknown)}; "
                 f"choose from {', '.join(SERVICES)}")
    if args.story and args.services != ["all"]:
        sys.exit("wardline: --story needs every service: wardline run all --story")
    _check_retention_schedule()
    _require_broker()
    if len(names) == 1:
        runner.run_in_this_process(names[0])
        return 0
    story = [sys.executable, "-m", "wardline.cli", "demo", "story", "--wait", "180"]
    return runner.run_as_processes(names, once=[story] if args.story else ())


def cmd_migrate(args):
    from shared.roles import RoleRefused
    from wardline import migrations
    from wardline.services import declare_queues
    from shared.rpc import RpcQueueInUse

    _require_broker()
    admin_url = database_admin_url()
    for name in args.services or SERVICES:
        config = load_config(name)
        if admin_url:  # as the owner, then the service's own role granted its schema
            try:
                granted = migrations.upgrade_as_owner(
                    name, admin_url, (config["DATABASE_URL"], config["DATABASE_DIRECT_URL"]))
            except RoleRefused as exc:
                sys.exit(f"wardline: {exc}")
            for line in granted:
                print(f"wardline: {name} role {line}")
        else:
            migrations.upgrade(name, config["DATABASE_DIRECT_URL"])  # never via a pooler
        try:
            declare_queues(name, config)
        except RpcQueueInUse as exc:
            sys.exit(f"wardline: {exc}")
        print(f"wardline: {name} migrated")


def cmd_makemigration(args):
    from wardline import migrations

    migrations.new_revision(args.service, database_direct_url(args.service),
                            args.message)


def cmd_users_set_password(args):
    if not args.password_stdin:
        sys.exit("wardline: give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    from shared.errors import WardlineError

    try:
        with _unit_of_work("gateway") as uow:
            user = commands_of("gateway").set_password(uow, args.username, password,
                                                       CLI_ACTOR, one_time=args.one_time)
    except WardlineError as exc:
        details = "; ".join(f"{field}: {' '.join(map(str, msgs))}"
                            for field, msgs in exc.fields.items())
        sys.exit(f"wardline: {exc.message} {details}".strip())
    print(f"wardline: new {'one-time ' if args.one_time else ''}password set for "
          f"{user['username']}; their tokens are refused"
          + ("; they choose a new one at their next sign-in" if args.one_time else ""))


def cmd_users_add(args):
    if not args.password_stdin:
        sys.exit("wardline: give the password on standard input with --password-stdin")
    password = sys.stdin.readline().rstrip("\n")
    from shared.errors import WardlineError

    payload = {"username": args.username, "password": password, "role": args.role,
               "display_name": args.display_name or args.username, "wards": args.wards}
    payload.update({k: v for k, v in (("agency", args.agency), ("email", args.email)) if v})
    try:
        with _unit_of_work("gateway") as uow:
            user = commands_of("gateway").add_account(uow, payload, _ward_codes(), CLI_ACTOR)
    except WardlineError as exc:
        details = "; ".join(f"{field}: {' '.join(map(str, msgs))}"
                            for field, msgs in exc.fields.items())
        sys.exit(f"wardline: {exc.message} {details}".strip())
    print(f"wardline: added {user['username']} ({user['role']})")


def cmd_demo_seed(args):
    from wardline.demo import DEMO_PASSWORD, DEMO_USERS, sharing_agreements, ward_register

    gateway = commands_of("gateway")
    with _session("gateway") as session:
        if args.if_empty and gateway.account_count(session):
            print("wardline: accounts exist, demo seed skipped; demo logins (if kept): "
                  + ", ".join(u["username"] for u in DEMO_USERS)
                  + f"; password {DEMO_PASSWORD}")
            return
        others = gateway.accounts_other_than(session, [u["username"] for u in DEMO_USERS])
        if others and not args.force:
            print(f"wardline: this database holds {len(others)} account(s) that are not demo "
                  f"accounts ({', '.join(others[:5])}{' ...' if len(others) > 5 else ''}); "
                  "the demo accounts' password is published, so demo seed refuses it. "
                  "Give --force to seed anyway.", file=sys.stderr)
            return 2
    borough = _borough()
    with _session("referrals") as session:
        added = commands_of("referrals").load_borough(
            session, ward_register(borough), sharing_agreements(borough), CLI_ACTOR)
    with _unit_of_work("gateway") as uow:
        gateway.add_missing_accounts(uow, DEMO_USERS, DEMO_PASSWORD, _ward_codes(), CLI_ACTOR)
    print(f"wardline: demo borough seeded ({added} wards added); every demo account's "
          f"password is {DEMO_PASSWORD}")
    print("wardline: demo logins: " + ", ".join(
        f"{u['username']} ({u['role']})" for u in DEMO_USERS))


def cmd_demo_story(args):
    from wardline.demo_story import StoryError, tell

    try:
        return tell(args.url or _gateway_url(), _borough(), args.wait, args.timeout)
    except StoryError as exc:
        print(f"wardline: the demo story stopped: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C under `run all --story` reaches it too
        print("wardline: the demo story was interrupted; the borough holds part of it "
              "(start from empty databases to tell it whole: `make clean` removes the "
              "laptop's SQLite files)", file=sys.stderr)
        return 130


def _gateway_url():
    from shared.config import setting

    host = setting("WARDLINE_HTTP_HOST")
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    return f"http://{host}:{setting('WARDLINE_HTTP_PORT')}"


def cmd_dlq_list(_args):
    from shared.deadletters import escaped, list_dead_letters

    _require_broker()
    parked = list_dead_letters(load_config("gateway")["AMQP_URI"])
    if not parked:
        print("wardline: the dead-letter queue is empty")
        return
    print(f"{'ID':<38} {'TYPE':<26} {'TRIES':>5}  REASON / QUEUE / FIRST BYTES")
    for item in parked:
        item = {key: escaped(value) for key, value in item.items()}
        print(f"{item['id']:<38} {item['type'][:26]:<26} {item['attempts']:>5}  "
              f"{item['reason']}\n{'':<72}{item['queue']}\n{'':<72}{item['body']}")


def cmd_dlq_replay(args):
    from shared.deadletters import ReplayRefused, escaped, replay
    from wardline.services import consumed_queues

    if args.ids and args.everything:
        sys.exit("wardline: give message ids or --all, not both")
    if not args.ids and not args.everything:
        sys.exit("wardline: name the messages to replay (ids from wardline dlq list), or "
                 "--all --count N to replay every one of N")
    if args.everything and args.count is None:
        sys.exit("wardline: --all needs --count N, the number of messages you expect "
                 "(wardline dlq list shows them)")
    _require_broker()
    try:
        config = load_config("gateway")
        replayed = replay(config["AMQP_URI"], set(args.ids) or None,
                          expected_count=args.count if args.everything else None,
                          queues=consumed_queues(), producers=config["BUS_PRODUCERS"])
    except ReplayRefused as exc:
        sys.exit(f"wardline: {exc}")
    missing = sorted(set(args.ids) - set(replayed))
    print(f"wardline: replayed {len(replayed)} message(s)")
    if missing:
        sys.exit("wardline: not in the dead-letter queue: "
                 + ", ".join(escaped(m) for m in missing))


def cmd_broker_definitions(args):
    import json
    import os

    from wardline.broker_access import OPERATOR, definitions

    passwords = {}
    if args.passwords_from_env:
        for name in (*SERVICES, OPERATOR):
            variable = f"RABBITMQ_{name.upper()}_PASSWORD"
            if not os.environ.get(variable):
                sys.exit(f"wardline: {variable} is not set")
            passwords[name] = os.environ[variable]
    print(json.dumps(definitions(args.vhost, args.pattern, passwords), indent=2))


def cmd_casereview_rebuild(_args):
    with _session("casereview") as session:
        replayed = commands_of("casereview").rebuild_chronology(session)
    print(f"wardline: casereview chronology rebuilt from {replayed} event(s)")


def cmd_audit_verify(_args):
    with _session("gateway") as session:
        result = commands_of("gateway").verify_audit_trail(session)
    if result.missing_head:
        sys.exit("wardline: the audit trail has no chain yet: run wardline migrate gateway")
    if result.unchained:
        print(f"wardline: {result.unchained} row(s) up to row {result.started_after} predate "
              "the chain and are not chained")
    if result.first:
        print(f"wardline: chained from row {result.first['id']} "
              f"({_when(result.first['at'])}): {result.verified} row(s) verified")
    else:
        print("wardline: no row written since the chain began")
    if not result.intact:
        broken = result.broken_at
        at = f" ({_when(broken['at'])})" if broken["at"] else ""
        print(f"wardline: the chain breaks at row {broken['id']}{at}: {broken['why']}",
              file=sys.stderr)
        return 1
    print("wardline: the audit trail's chain is intact")


def _when(moment):
    return moment.isoformat(timespec="microseconds") if moment else "?"


@contextmanager
def _session(service_name):
    """A session on one service's own database, committed if the block succeeds."""
    from shared.db import make_engine, session_factory

    engine = make_engine(database_url(service_name), service_name, pool_size=1,
                         pooled=database_pooled(service_name))
    try:
        with session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


@contextmanager
def _unit_of_work(service_name):
    """A unit of work on one service's own database: its events go to the service's
    outbox, and the service's relay publishes them once it runs."""
    from shared.db import UnitOfWork, make_engine, session_factory
    from wardline.services import orm_metadata

    metadata = orm_metadata(service_name)
    engine = make_engine(database_url(service_name), service_name, pool_size=1,
                         pooled=database_pooled(service_name))
    try:
        with UnitOfWork(session_factory(engine), metadata, consumer="cli",
                        correlation_id=f"cli-{uuid.uuid4()}") as uow:
            yield uow
    finally:
        engine.dispose()


def _borough():
    return load_config("referrals")["BOROUGH"]


def _ward_codes():
    """The borough's ward codes, from its borough file (never another service's tables)."""
    from wardline.demo import ward_register

    return {ward["code"] for ward in ward_register(_borough())}


def _check_retention_schedule():
    """A wrong retention schedule stops `run` with one line naming the entry (ConfigError,
    printed by main), before any service starts: each service checks it again at start."""
    from shared.retention import Schedule

    Schedule.load(load_config("referrals")["RETENTION_SCHEDULE"])


def _require_broker():
    """Stop with one clear line, not a traceback, when RabbitMQ is not there."""
    from wardline.runner import broker_answers

    amqp_uri = load_config("gateway")["AMQP_URI"]
    if not broker_answers(amqp_uri):
        sys.exit(f"wardline: cannot reach RabbitMQ at {_redacted(amqp_uri)}. Start it "
                 "(`rabbitmq-server -detached`) or set WARDLINE_AMQP_URI.")


def _redacted(uri):
    scheme, _, rest = uri.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


if __name__ == "__main__":
    sys.exit(main())
