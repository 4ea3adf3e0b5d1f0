"""The Python databricks-sdk, unchanged, against the local workspace's Statement Execution API.

    python python_sdk.py <host> <token> <warehouse_id> <case>

The CA of the local workspace comes from REQUESTS_CA_BUNDLE (the SDK and the link downloads both
use requests). Prints one JSON line.
"""

import json
import sys
import time

import pyarrow as pa
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    StatementParameterListItem,
    StatementState,
)

host, token, warehouse, case = sys.argv[1:5]
w = WorkspaceClient(host=host, token=token)
api = w.statement_execution


def links_of(response):
    """Every chunk's bytes, chunk 0 from the response, the others by index; no workspace token."""
    total = response.manifest.total_chunk_count
    bodies = []
    for index in range(total):
        data = response.result if index == 0 else api.get_statement_result_chunk_n(response.statement_id, index)
        (link,) = data.external_links
        assert link.chunk_index == index
        got = requests.get(link.external_link, headers=link.http_headers or {}, timeout=60)
        got.raise_for_status()
        bodies.append(got.content)
    return bodies


def run():
    if case == "inline":
        response = api.execute_statement(
            statement="SELECT n_nationkey, n_name FROM samples.tpch.nation WHERE n_nationkey < :k ORDER BY 1",
            warehouse_id=warehouse,
            parameters=[StatementParameterListItem(name="k", value="3", type="INT")],
            wait_timeout="30s",
        )
        return {
            "state": response.status.state.value,
            "columns": [[c.name, c.type_name.value, c.type_text] for c in response.manifest.schema.columns],
            "rows": response.result.data_array,
            "total_row_count": response.manifest.total_row_count,
        }
    if case == "arrow":
        response = api.execute_statement(
            statement="SELECT id, CAST(id AS DECIMAL(20,2)) AS amount, DATE'2024-01-01' AS day FROM range(30000)",
            warehouse_id=warehouse,
            disposition=Disposition.EXTERNAL_LINKS,
            format=Format.ARROW_STREAM,
            wait_timeout="30s",
        )
        tables = [pa.ipc.open_stream(body).read_all() for body in links_of(response)]
        table = pa.concat_tables(tables)
        return {
            "state": response.status.state.value,
            "chunks": response.manifest.total_chunk_count,
            "rows": table.num_rows,
            "types": [str(field.type) for field in table.schema],
            "last": [str(value) for value in table.slice(table.num_rows - 1).to_pylist()[0].values()],
            "id_sum": sum(table.column("id").to_pylist()),
        }
    if case == "csv":
        response = api.execute_statement(
            statement="SELECT id, CASE WHEN id % 2 = 0 THEN 'a,b' END AS s FROM range(5)",
            warehouse_id=warehouse,
            disposition=Disposition.EXTERNAL_LINKS,
            format=Format.CSV,
        )
        return {"text": b"".join(links_of(response)).decode("utf-8")}
    if case == "poll":
        response = api.execute_statement(statement="SELECT 41 + 1 AS answer", warehouse_id=warehouse, wait_timeout="0s")
        first = response.status.state.value
        while response.status.state in (StatementState.PENDING, StatementState.RUNNING):
            time.sleep(0.05)
            response = api.get_statement(response.statement_id)
        return {"first": first, "state": response.status.state.value, "rows": response.result.data_array}
    if case == "failed":
        response = api.execute_statement(statement="SELECT * FROM samples.tpch.nope", warehouse_id=warehouse)
        return {
            "state": response.status.state.value,
            "error_code": response.status.error.error_code.value,
            "message": response.status.error.message,
        }
    if case == "cancel":
        response = api.execute_statement(
            statement="SELECT count(*) FROM range(100000000000)",
            warehouse_id=warehouse,
            wait_timeout="5s",
            on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
        )
        api.cancel_execution(response.statement_id)
        after = api.get_statement(response.statement_id)
        return {"before": response.status.state.value, "after": after.status.state.value}
    raise ValueError(f"unknown case {case}")


try:
    print(json.dumps(run()))
except Exception as error:  # noqa: BLE001
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
