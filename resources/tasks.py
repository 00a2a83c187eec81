"""The task queue's jobs (procrastinate, in PostgreSQL): sending subscriptions their changes
(``resources.subscriptions``). The worker runs them: ``manage.py procrastinate worker``,
started by ``make run`` and by docker-compose's ``worker`` service. Several workers may run
at once: each job is taken by one of them (``SELECT ... FOR UPDATE SKIP LOCKED``), and a
subscription's jobs share a lock, so they run one at a time, in order."""

from __future__ import annotations

from django.conf import settings
from procrastinate import RetryDecision
from procrastinate.contrib.django import app
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy

from . import subscriptions

QUEUE = "webhooks"


class AsTheDeliverySays(BaseRetryStrategy):
    """Retry a delivery when, and only when, it says another attempt is due (TryAgain)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, subscriptions.TryAgain):
            return RetryDecision(retry_in={"seconds": exception.seconds})
        return None


@app.task(name="deliver", queue=QUEUE, retry=AsTheDeliverySays())
def deliver(delivery_id: int) -> None:
    """Send one delivery (an attempt; the retry strategy schedules the next)."""
    subscriptions.attempt(delivery_id)


@app.periodic(cron="* * * * *", periodic_id="recover_stalled")
@app.task(name="recover_stalled", queue=QUEUE, queueing_lock="recover_stalled")
async def recover_stalled(timestamp: int) -> None:
    """Run again the jobs of workers that stopped sending heartbeats (killed mid-delivery):
    at least once, never lost."""
    await recover_stalled_jobs()


async def recover_stalled_jobs() -> int:
    """Put the stalled jobs back in the queue; how many there were."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WEBHOOK_STALLED_AFTER_SECONDS
    )
    for job in stalled:
        await app.job_manager.retry_job(job)
    return len(stalled)
