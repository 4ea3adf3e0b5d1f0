"""The Python side of bench/statement_execution.mjs: the databricks-sdk's statement_execution,
INLINE JSON_ARRAY, as the root bench/anchor.py's case_sea_client reads it (execute, then every
chunk), once after `SELECT 1` (first) and then `warm` more times, with wall and process CPU time
per request. Prints one JSON line."""

import json
import os
import sys
import time

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import Disposition, Format

args = json.loads(sys.argv[1])
w = WorkspaceClient(host=os.environ["BENCH_HOST"], token=os.environ["BENCH_TOKEN"])
api = w.statement_execution


def once(statement):
    cpu = time.process_time()
    t0 = time.perf_counter()
    response = api.execute_statement(
        statement=statement,
        warehouse_id=os.environ["BENCH_WAREHOUSE_ID"],
        disposition=Disposition.INLINE,
        format=Format.JSON_ARRAY,
        wait_timeout="50s",
    )
    t1 = time.perf_counter()
    rows = 0
    for index in range(response.manifest.total_chunk_count or 0):
        data = response.result if index == 0 else api.get_statement_result_chunk_n(response.statement_id, index)
        rows += len(data.data_array or [])
    t2 = time.perf_counter()
    return {
        "ms": (t2 - t0) * 1000,
        "cpuMs": (time.process_time() - cpu) * 1000,
        "executeMs": (t1 - t0) * 1000,
        "readMs": (t2 - t1) * 1000,
        "rows": rows,
    }


once("SELECT 1")  # TLS, auth and the SDK's host-metadata probe
first = once(args["sql"])
warm = [once(args["sql"]) for _ in range(args["warm"])]
print(json.dumps({"first": first, "warm": warm}))
