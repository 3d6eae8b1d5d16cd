"""Email delivery on PostgreSQL to a real SMTP server on loopback (aiosmtpd, in its own
process): events turned into notices, notices into emails, each worded from the Jinja2
templates and sent by mailer passes running side by side, each its own transaction (as the
worker's task runs it). Against the alternative of a new SMTP connection for every email.

    uv run python bench/emails.py [--events 500] [--subscribers 4] [--passes 2]
"""

import argparse
import multiprocessing
import threading
import time

from harness import free_port, fresh_database, save_result
from sqlalchemy import text

from workers.letters import compose
from workflow import events, mail
from workflow.identity import users
from workflow.kernel.db import make_engine, unit_of_work
from workflow.kernel.settings import Settings
from workflow.mail import transport


def serve(port, received) -> None:
    """An SMTP server in its own process that counts what it accepts."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope) -> str:
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=free_port())
    controller.start()
    port.value = controller.port
    threading.Event().wait()


def fresh_connections() -> None:
    """The alternative: every email opens and closes its own SMTP session."""
    send = transport.SmtpPostbox.send

    def send_and_close(self, message):
        outcome = send(self, message)
        self.close()
        return outcome

    transport.SmtpPostbox.send = send_and_close


def run(args, label: str) -> dict:
    url = fresh_database("quorum_bench_emails")
    engine = make_engine(url, pool_size=args.passes + 2)
    port, received = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(port, received), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.01)
    settings = Settings(
        environment="test",
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port.value,
        smtp_security="none",
    )
    names = [f"sub{n}" for n in range(args.subscribers)]
    with unit_of_work(engine) as session:
        for name in names:
            users.create_user(
                session, username=name, role="reviewer", actor="bench", email=f"{name}@x.org"
            )
            mail.choose(session, name, {"item.agreed": "immediate"})
    with unit_of_work(engine) as session:
        events.emit_many(
            session,
            [
                (
                    "item.agreed",
                    f"bench:{n}",
                    {"item_id": n, "name": "q", "link": f"/i/{n}"},
                    n,
                    None,
                )
                for n in range(args.events)
            ],
        )
    expected = args.events * args.subscribers

    def passes() -> None:
        while received.value < expected:
            with unit_of_work(engine) as session:
                passed = mail.deliver(session, settings=settings, compose=compose)
            if passed.attempted == 0 and passed.noticed == 0:
                time.sleep(0.001)

    started = time.perf_counter()
    if args.passes == 1:
        passes()  # in this thread, where a profiler sees it
    else:
        runs = [threading.Thread(target=passes) for _ in range(args.passes)]
        for one in runs:
            one.start()
        for one in runs:
            one.join()
    took = time.perf_counter() - started
    with engine.connect() as connection:
        sent = connection.execute(
            text("SELECT count(*) FROM emails WHERE status = 'sent'")
        ).scalar_one()
    server.terminate()
    engine.dispose()
    rate = sent / took
    print(f"{label}: {sent} emails sent in {took:.2f} s, {rate:.0f}/s; received {received.value}")
    return {"label": label, "sent": sent, "received": received.value, "per_second": round(rate, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--subscribers", type=int, default=4)
    parser.add_argument("--passes", type=int, default=2)
    args = parser.parse_args()
    kept = run(args, "one SMTP session per pass")
    fresh_connections()
    fresh = run(args, "a new SMTP session per email")
    print(f"ratio: {kept['per_second'] / fresh['per_second']:.2f}x")
    save_result("emails", {"events": args.events, "subscribers": args.subscribers,
                           "passes": args.passes, "runs": [kept, fresh]})  # fmt: skip


if __name__ == "__main__":
    main()
