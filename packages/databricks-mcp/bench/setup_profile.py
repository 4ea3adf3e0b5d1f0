"""The Python counterpart of setup_profile.mjs: databricks-langchain's
DatabricksMultiServerMCPClient(...).get_tools() against the bench's workspace, per round, in wall
and CPU time, with the HTTP requests it costs, (a) with a WorkspaceClient built before the timer
(what bench/anchor.py times) and (b) with the WorkspaceClient built inside it.

    bench/.venv/bin/python packages/databricks-mcp/bench/setup_profile.py
    (BENCH_HOST, BENCH_TOKEN, BENCH_CONTROL, SSL_CERT_FILE as bench/run.mjs sets them; BENCH_ROUNDS)
"""

import asyncio
import json
import os
import time
import urllib.request

HOST = os.environ["BENCH_HOST"]
TOKEN = os.environ["BENCH_TOKEN"]
CONTROL = os.environ["BENCH_CONTROL"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def counts():
    with urllib.request.urlopen(CONTROL + "/counts") as r:
        return json.loads(r.read())


def main():
    from databricks.sdk import WorkspaceClient
    from databricks_langchain import DatabricksMCPServer, DatabricksMultiServerMCPClient

    url = HOST + "/api/2.0/mcp/sql"
    loop = asyncio.new_event_loop()
    prepared = WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat")
    out = []
    for i in range(ROUNDS):
        row = {"round": i + 1}
        for name, inside in (("preparedWorkspace", False), ("fromScratch", True)):
            before = counts()
            c0, t0 = time.process_time(), time.perf_counter()
            workspace = WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat") if inside else prepared
            multi = DatabricksMultiServerMCPClient(
                [DatabricksMCPServer(name="sql", url=url, workspace_client=workspace)]
            )
            tools = loop.run_until_complete(multi.get_tools())
            wall = (time.perf_counter() - t0) * 1000
            cpu = (time.process_time() - c0) * 1000
            after = counts()
            row[name] = {
                "wallMs": round(wall, 2),
                "cpuMs": round(cpu, 2),
                "requests": sum(after.values()) - sum(before.values()),
                "mcpRequests": after.get("mcp-sql", 0) - before.get("mcp-sql", 0),
                "tools": len(tools),
            }
        out.append(row)
    print(json.dumps({"results": out}, indent=1))


main()
