"""Faults with real processes: a worker killed in the middle of a stage, Redis restarted empty in
the middle of a run, a poison task, a database error. Nothing is lost, nothing happens twice, and
every order's timeline stays in the order of the state machine."""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest
from django.db import connections, transaction

from manufacturing.models import BatchPolicy, Job, QualityCheckpoint, WorkCentre, WorkItem, WorkItemState
from orders.models import Order
from tests.integration.conftest import (
    FACTORY_QUEUES,
    celery_broker,
    factory_env,
    start_beat,
    start_worker,
    stop_worker,
    wait_for,
    wait_until_ready,
)
from tests.integration.test_factory import (
    BATCH_GREEN,
    CUSTOM,
    STANDARD,
    assert_every_stage_ran_once,
    assert_timelines_follow_the_state_machine,
    place_orders,
    wait_all_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

#: Redis puts back what a dead worker had taken within seconds, not the default 100.
FAST_RESTORE = {
    "CELERY_VISIBILITY_TIMEOUT": "4",
    "CELERY_UNACKED_RESTORE_INTERVAL": "2",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


def kill_hard(process) -> None:
    """SIGKILL a worker and its pool children: nothing gets to acknowledge or clean up."""
    for child in psutil.Process(process.pid).children(recursive=True):
        child.send_signal(signal.SIGKILL)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_worker_killed_in_the_middle_of_a_stage_leaves_it_to_finish_exactly_once(
    factory_client,
    factory,
    broker_url,
):
    # 240 simulated seconds per real second: the frame stage (12 minutes) runs for 3 seconds.
    running = factory(ATELIER_SIM_TIME_SCALE="240", **FAST_RESTORE)
    doomed = running.worker()
    [order_id] = place_orders(factory_client, broker_url, STANDARD)
    wait_for(
        lambda: WorkItem.objects.filter(job__order=order_id, state=WorkItemState.RUNNING).exists(),
        what="a running stage",
    )
    kill_hard(doomed)
    running.processes.remove(doomed)
    running.worker()
    wait_all_in([order_id], "completed", timeout=90)
    running.stop()
    assert_every_stage_ran_once([order_id])
    assert_timelines_follow_the_state_machine([order_id])
    assert WorkItem.objects.filter(job__order=order_id).count() == 3


def test_redis_restarted_empty_mid_run_loses_no_order_and_duplicates_none(
    factory_client, private_redis, tmp_path, settings
):
    # The outbox sends a routing message again when no worker acknowledged it within this time.
    settings.ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS = 3
    private_redis.start()
    BatchPolicy.objects.update(size_limit=1)
    env = factory_env(
        private_redis.url,
        tmp_path,
        ATELIER_SIM_TIME_SCALE="240",
        ATELIER_FACTORY_REDRIVE_SECONDS="2",
        ATELIER_OUTBOX_ACK_TIMEOUT_SECONDS="3",
    )
    worker = start_worker(queues=FACTORY_QUEUES, env=env)
    beat = start_beat(env=env, folder=tmp_path)
    try:
        with celery_broker(private_redis.url):
            wait_until_ready(worker)
        order_ids = place_orders(factory_client, private_redis.url, STANDARD, BATCH_GREEN, CUSTOM)
        wait_for(
            lambda: WorkItem.objects.filter(job__order__in=order_ids, state=WorkItemState.RUNNING).exists(),
            what="a running stage",
        )
        # No persistence: the restarted Redis is empty; every message in flight is gone.
        private_redis.stop()
        private_redis.start()
        time.sleep(3)
        if worker.poll() is not None:
            # Celery 5.7's worker sometimes exits on a lost Redis connection ("Unrecoverable
            # error: AttributeError ... 'hostname'") instead of reconnecting; a process supervisor
            # starts it again, and so does this test. Nothing it held may be lost either way.
            print(stop_worker(worker))
            worker = start_worker(queues=FACTORY_QUEUES, env=env)
        wait_all_in(order_ids, "completed", timeout=120)
    finally:
        print(stop_worker(worker), stop_worker(beat))  # pytest shows it when the test failed
    assert_every_stage_ran_once(order_ids)
    assert_timelines_follow_the_state_machine(order_ids)
    for order in Order.objects.filter(pk__in=order_ids):
        assert list(order.events.values_list("type", flat=True)[:3]) == ["placed", "routed", "queued"]


def test_a_poison_task_stops_after_bounded_retries_and_flags_the_order(
    factory_client,
    factory,
    broker_url,
):
    # A checkpoint that cannot sample (every n-th unit without n): its finish can never succeed.
    QualityCheckpoint.objects.filter(
        stage__route__product__code="city-bike",
        stage__route__mode="standard",
        stage__operation="final_inspection",
    ).update(plan="every_nth", every_n=None)
    running = factory(ATELIER_FACTORY_POISON_RETRIES="2")
    running.worker()
    [order_id] = place_orders(factory_client, broker_url, STANDARD)
    wait_for(lambda: Job.objects.filter(order=order_id, needs_attention=True).exists(), what="the flag")
    log = running.stop()
    job = Job.objects.get(order=order_id)
    assert "manufacturing.finish_stage failed 3 times" in job.attention_reason, log
    stuck = WorkItem.objects.get(job=job, stage__operation="final_inspection")
    assert (stuck.state, stuck.failures) == (WorkItemState.RUNNING, 3)
    assert Order.objects.get(pk=order_id).status == "in_production"
    assert log.count("failed 3 times; flagging its order") == 1


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="lock_timeout is PostgreSQL's")
def test_a_database_error_is_retried_with_backoff_until_it_passes(
    factory_client,
    factory,
    broker_url,
):
    env_url = factory_env(broker_url, "/tmp")["DATABASE_URL"]
    # The worker gives up waiting for a row lock after half a second: a database error.
    running = factory(DATABASE_URL=f"{env_url}?options=-c%20lock_timeout%3D500")
    running.worker()
    locked, release = threading.Event(), threading.Event()

    def hold_the_final_inspection() -> None:
        try:
            with transaction.atomic():
                # As a dispatch locks it (new work items may still point at it).
                WorkCentre.objects.select_for_update(no_key=True).get(code="final_inspection")
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_final_inspection)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        [order_id] = place_orders(factory_client, broker_url, STANDARD)
        wait_for(
            lambda: WorkItem.objects.filter(
                job__order=order_id, stage__operation="final_inspection", state=WorkItemState.WAITING
            ).exists(),
            what="the final inspection waiting behind the lock",
        )
        wait_for(
            lambda: "lock timeout" in running.log_so_far(),
            what="a refused lock",
        )
    finally:
        release.set()
        holder.join()
    wait_all_in([order_id], "completed", timeout=60)
    log = running.stop()
    assert "Retry in" in log
    assert_every_stage_ran_once([order_id])
    assert_timelines_follow_the_state_machine([order_id])
