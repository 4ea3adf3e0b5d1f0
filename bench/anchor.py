"""Python anchors of the lakechain benchmarks. Run by bench/run.mjs inside bench/.venv:

    bench/.venv/bin/python bench/anchor.py <case> '<json args>'

Environment: BENCH_HOST (https://127.0.0.1:PORT), BENCH_TOKEN, BENCH_WAREHOUSE_ID, BENCH_CA_FILE,
BENCH_CONTROL (the workspace's loopback control server, for request counts).
Prints one JSON line on stdout. An exception is reported as {"error": "...", "traceback": "..."}
so the orchestrator can put it in the table.
"""

import json
import os
import resource
import sys
import time
import traceback
import urllib.request

HOST = os.environ.get("BENCH_HOST", "")
TOKEN = os.environ.get("BENCH_TOKEN", "")
WAREHOUSE = os.environ.get("BENCH_WAREHOUSE_ID", "")
CA_FILE = os.environ.get("BENCH_CA_FILE", "")
CONTROL = os.environ.get("BENCH_CONTROL", "")
HOSTNAME = HOST.split("://", 1)[-1].split(":")[0]
PORT = int(HOST.rsplit(":", 1)[-1]) if HOST.count(":") == 2 else 443


def counts():
    with urllib.request.urlopen(CONTROL + "/counts") as r:
        return json.loads(r.read())


def thrift():
    return counts().get("thrift", 0)


def maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def median(values):
    s = sorted(values)
    return s[len(s) // 2]


def sql_database(schema, **kwargs):
    return _sql_database(schema, **kwargs)


def _sql_database(schema, **kwargs):
    from langchain_community.utilities import SQLDatabase

    return SQLDatabase.from_databricks(
        catalog="main",
        schema=schema,
        host=f"{HOSTNAME}",
        api_token=TOKEN,
        warehouse_id=WAREHOUSE,
        # The URI has no port and no CA: the connector takes both as connect args.
        engine_args={"connect_args": {"_port": PORT, "_tls_trusted_ca_file": CA_FILE}},
        **kwargs,
    )


def case_schema(args):
    """from_databricks + get_table_info(); wall time and Thrift round trips per repetition."""
    from langchain_community.utilities import SQLDatabase  # noqa: F401  (import outside the timing)

    schema = args["schema"]
    runs = []
    if args.get("warmup"):
        # Same process, not measured: first connection, dialect initialisation.
        w = sql_database(args["warmup"], sample_rows_in_table_info=3)
        w.get_table_info()
        w._engine.dispose()
    for _ in range(args.get("repeat", 1)):
        before = thrift()
        t0 = time.perf_counter()
        db = sql_database(schema, sample_rows_in_table_info=3)
        info = db.get_table_info()
        ms = (time.perf_counter() - t0) * 1000
        trips = thrift() - before
        db._engine.dispose()
        runs.append({"ms": ms, "trips": trips, "chars": len(info), "tables": len(db.get_usable_table_names())})
    return {"runs": runs}


def case_query(args):
    """SQLDatabase.run(SELECT ... LIMIT n) in a fresh process (cold), then repeated (warm)."""
    # Start-up on its own: imports, then connect + a first `SELECT 1`.
    t0 = time.perf_counter()
    import databricks.sql  # noqa: F401
    import sqlalchemy  # noqa: F401  (imported before the baseline, like the Node side)
    from langchain_community.utilities import SQLDatabase  # noqa: F401

    import_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    db = sql_database("bench_rows")
    # Connect + warm the pool outside the measurement.
    db.run("SELECT 1")
    connect_ms = (time.perf_counter() - t0) * 1000
    thrift()  # the harness's own first request before the baseline, as on the Node side
    baseline = maxrss_mb()
    mode = args.get("mode", "run")

    def once():
        if mode == "run":
            return len(db.run(args["sql"])), None
        # mode == "first100": what an app does when it wants 100 rows of a big result through
        # SQLDatabase: run(..., fetch="many") is not available, so use the engine: fetchmany(100)
        # then close.
        from sqlalchemy import text

        with db._engine.connect() as conn:
            result = conn.execute(text(args["sql"]))
            got = result.fetchmany(100)
            result.close()
        return None, len(got)

    before = thrift()
    t0 = time.perf_counter()
    size, rows = once()
    ms = (time.perf_counter() - t0) * 1000
    trips = thrift() - before
    peak = maxrss_mb()
    warm = []
    skip = args.get("warmSkip", 0)
    for i in range(skip + args.get("warmRepeats", 0)):
        t0 = time.perf_counter()
        once()
        if i >= skip:
            warm.append((time.perf_counter() - t0) * 1000)
    db._engine.dispose()
    return {"ms": ms, "warmMs": median(warm) if warm else None, "importMs": import_ms, "connectMs": connect_ms,
            "trips": trips, "chars": size, "rows": rows, "peakRssMb": peak, "baselineRssMb": baseline}


def _raw_client():
    import httpx

    return httpx.Client(verify=CA_FILE, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)


def case_llm(args):
    """ChatDatabricks (databricks-langchain) vs a raw httpx call to the same endpoint."""
    import httpx

    from databricks_langchain import ChatDatabricks

    iters = args.get("iterations", 100)
    warm = args.get("warmup", 10)
    endpoint = args["endpoint"]
    url = f"{HOST}/serving-endpoints/{endpoint}/invocations"
    body = {"messages": [{"role": "user", "content": "hello"}]}
    raw = _raw_client()

    def raw_invoke():
        r = raw.post(url, json=body)
        r.raise_for_status()
        return r.json()

    def raw_first_token():
        t0 = time.perf_counter()
        first = None
        with raw.stream("POST", url, json={**body, "stream": True}) as r:
            for line in r.iter_lines():
                if first is None and line.startswith("data:") and '"content":"' in line and '"content":""' not in line:
                    first = (time.perf_counter() - t0) * 1000
        return first

    model = ChatDatabricks(endpoint=endpoint)

    def model_first_token():
        t0 = time.perf_counter()
        first = None
        for chunk in model.stream("hello"):
            if first is None and chunk.content:
                first = (time.perf_counter() - t0) * 1000
        return first

    def timed(fn):
        for _ in range(warm):
            fn()
        out = []
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return out

    res = {}
    res["rawInvoke"] = median(timed(raw_invoke))
    res["modelInvoke"] = median(timed(lambda: model.invoke("hello")))
    for _ in range(warm):
        raw_first_token()
        model_first_token()
    rt, mt = [], []
    for _ in range(iters):
        rt.append(raw_first_token())
        mt.append(model_first_token())
    res["rawTtft"] = median(rt)
    res["modelTtft"] = median(mt)

    # 200 concurrent calls: LangChain's batch() (a thread pool) and ainvoke() under asyncio.gather,
    # `bursts` times in a row each: the first burst of a kind is reported apart (cold: it opens
    # the connections of that kind's pool), the others as their median (warm), as in node_client.
    n = args.get("concurrency", 200)
    bursts = max(2, args.get("bursts", 4))
    import asyncio

    def split(times):
        return times[0], median(times[1:])

    times = []
    for _ in range(bursts):
        t0 = time.perf_counter()
        model.batch(["hello"] * n, config={"max_concurrency": n})
        times.append((time.perf_counter() - t0) * 1000)
    res["batchColdMs"], res["batchMs"] = split(times)

    # One event loop for every burst: the async client belongs to the loop it was created in.
    async def gather_bursts():
        out = []
        for _ in range(bursts):
            t0 = time.perf_counter()
            await asyncio.gather(*[model.ainvoke("hello") for _ in range(n)])
            out.append((time.perf_counter() - t0) * 1000)
        return out

    try:
        res["asyncColdMs"], res["asyncMs"] = split(asyncio.run(gather_bursts()))
    except Exception as e:  # noqa: BLE001
        res["asyncError"] = f"{type(e).__name__}: {e}"[:300]

    # Raw concurrent anchor: one httpx.AsyncClient, n at once.
    async def raw_bursts():
        out = []
        async with httpx.AsyncClient(verify=CA_FILE, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60,
                                     limits=httpx.Limits(max_connections=n)) as c:
            for _ in range(bursts):
                t0 = time.perf_counter()
                await asyncio.gather(*[c.post(url, json=body) for _ in range(n)])
                out.append((time.perf_counter() - t0) * 1000)
        return out

    res["rawBurstColdMs"], res["rawBurstMs"] = split(asyncio.run(raw_bursts()))
    res["peakRssMb"] = maxrss_mb()
    return res


def case_trace(args):
    """Per-call overhead of mlflow.langchain.autolog() on a small chain, and spans exported."""
    import mlflow
    from langchain_core.language_models.fake_chat_models import FakeListChatModel
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.runnables import RunnableLambda

    iters = args.get("iterations", 100)
    warm = args.get("warmup", 10)
    prompt = ChatPromptTemplate.from_messages([("system", "You are terse."), ("human", "{q}")])
    llm = FakeListChatModel(responses=["ok, three words"])
    chain = prompt | llm | StrOutputParser() | RunnableLambda(lambda s: s.upper())

    def run_n(n):
        out = []
        for i in range(n):
            t0 = time.perf_counter()
            chain.invoke({"q": f"hello {i}"})
            out.append((time.perf_counter() - t0) * 1000)
        return out

    run_n(warm)
    plain = median(run_n(iters))

    mlflow.set_tracking_uri(args["trackingUri"])
    mlflow.set_experiment(args.get("experiment", "bench-python"))
    mlflow.langchain.autolog()
    run_n(warm)
    mlflow.flush_trace_async_logging() if hasattr(mlflow, "flush_trace_async_logging") else None
    t0 = time.perf_counter()
    traced = run_n(iters)
    # Exports may be asynchronous: include the flush in a separate figure.
    call_ms = median(traced)
    try:
        mlflow.flush_trace_async_logging(terminate=False)
    except TypeError:
        mlflow.flush_trace_async_logging()
    except AttributeError:
        pass
    total_ms = (time.perf_counter() - t0) * 1000
    # Spans per trace, from the last trace.
    spans = None
    try:
        trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
        spans = len(trace.data.spans)
    except Exception:  # noqa: BLE001
        pass
    return {"plainMs": plain, "tracedMs": call_ms, "totalWithFlushMs": total_ms, "iterations": iters,
            "spansPerTrace": spans, "peakRssMb": maxrss_mb()}


def case_spans(args):
    """Spans the MLflow server holds for a trace (used for the Node side's traces)."""
    import mlflow

    mlflow.set_tracking_uri(args["trackingUri"])
    trace = mlflow.get_trace(args["traceId"])
    return {"spans": len(trace.data.spans) if trace else None}


# ---------------------------------------------------------------- lakebase checkpoints
def _bench_messages(step):
    return [
        {
            "role": "assistant" if index % 2 else "user",
            "content": f"{step}:{index} {'lorem ipsum dolor sit amet ' * 8}"[:200],
        }
        for index in range(10)
    ]


def case_lakebase(args):
    """databricks-langchain's CheckpointSaver: the same work as node_client.mjs caseLakebase."""
    from concurrent.futures import ThreadPoolExecutor

    import databricks_ai_bridge.lakebase as lakebase
    from databricks.sdk import WorkspaceClient
    from databricks_langchain import CheckpointSaver
    from langgraph.checkpoint.base import empty_checkpoint
    from langgraph.checkpoint.base.id import uuid6

    # Lakebase always listens on 5432, so databricks-ai-bridge writes that port into its conninfo;
    # the local PostgreSQL listens on a free port. This is the only change to the anchor.
    lakebase.DEFAULT_PORT = int(os.environ["BENCH_PG_PORT"])

    cold_start = time.perf_counter()
    saver = CheckpointSaver(
        instance_name=os.environ["BENCH_LAKEBASE_INSTANCE"],
        workspace_client=WorkspaceClient(host=HOST, token=TOKEN),
        schema=args["schema"],
    )
    try:
        saver.get_tuple({"configurable": {"thread_id": "absent", "checkpoint_ns": ""}})
    except Exception:  # noqa: BLE001 - tables do not exist yet: the connection is what is timed
        pass
    cold_ms = (time.perf_counter() - cold_start) * 1000
    saver.setup()

    state = {"version": None}

    def put(config, step):
        checkpoint = empty_checkpoint()
        checkpoint["id"] = str(uuid6(clock_seq=step))
        version = saver.get_next_version(state["version"], None)
        state["version"] = version
        checkpoint["channel_values"] = {"messages": _bench_messages(step)}
        checkpoint["channel_versions"] = {"messages": version}
        return saver.put(config, checkpoint, {"source": "loop", "step": step, "parents": {}}, {"messages": version})

    def thread_config(thread_id):
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}

    config = thread_config("latency")
    for step in range(args["warmup"]):
        config = put(config, step)
    write_ms = []
    for step in range(args["writes"]):
        started = time.perf_counter()
        config = put(config, args["warmup"] + step)
        write_ms.append((time.perf_counter() - started) * 1000)
    read_ms = []
    for _ in range(args["reads"]):
        started = time.perf_counter()
        found = saver.get_tuple(thread_config("latency"))
        read_ms.append((time.perf_counter() - started) * 1000)
        if len(found.checkpoint["channel_values"]["messages"]) != 10:
            raise RuntimeError("bad read")

    threads = [f"throughput-{index}" for index in range(args["threads"])]

    def write_thread(thread_id):
        current = thread_config(thread_id)
        for step in range(args["perThread"]):
            current = put(current, step)

    def read_thread(thread_id):
        for _ in range(args["perThread"]):
            saver.get_tuple(thread_config(thread_id))

    with ThreadPoolExecutor(max_workers=args["threads"]) as executor:
        # Warm-up at full concurrency, not measured: the pool opens all its connections.
        list(executor.map(lambda thread_id: saver.get_tuple(thread_config(thread_id)), threads))
        started = time.perf_counter()
        list(executor.map(write_thread, threads))
        write_seconds = time.perf_counter() - started
        started = time.perf_counter()
        list(executor.map(read_thread, threads))
        read_seconds = time.perf_counter() - started
    saver._lakebase.close()
    total = args["threads"] * args["perThread"]

    def p95(values):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, (len(ordered) * 95) // 100)]

    return {
        "coldMs": cold_ms,
        "write": {"medianMs": median(write_ms), "p95Ms": p95(write_ms), "count": len(write_ms)},
        "read": {"medianMs": median(read_ms), "p95Ms": p95(read_ms), "count": len(read_ms)},
        "writeThroughput": {"perSecond": total / write_seconds, "total": total, "threads": args["threads"]},
        "readThroughput": {"perSecond": total / read_seconds, "total": total, "threads": args["threads"]},
        "peakRssMb": maxrss_mb(),
    }


def case_sea_client(args):
    """The Python databricks-sdk's statement_execution: execute, then every chunk (INLINE data_array
    pages, or EXTERNAL_LINKS downloaded with requests and read by pyarrow into Python rows)."""
    import pyarrow as pa
    import requests
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.sql import Disposition, Format

    w = WorkspaceClient(host=HOST, token=TOKEN)
    api = w.statement_execution
    links = args["disposition"] == "EXTERNAL_LINKS"

    def read_all(statement):
        response = api.execute_statement(
            statement=statement,
            warehouse_id=WAREHOUSE,
            disposition=Disposition(args["disposition"]),
            format=Format(args["format"]),
            wait_timeout="50s",
        )
        rows = 0
        for index in range(response.manifest.total_chunk_count or 0):
            data = response.result if index == 0 else api.get_statement_result_chunk_n(response.statement_id, index)
            if links:
                (link,) = data.external_links
                body = requests.get(link.external_link, headers=link.http_headers or {}, timeout=120).content
                rows += len(pa.ipc.open_stream(body).read_all().to_pylist())
            else:
                rows += len(data.data_array or [])
        return rows

    read_all("SELECT 1")  # TLS, auth and the SDK's host-metadata probe outside the timing
    baseline = maxrss_mb()
    before = counts()
    t0 = time.perf_counter()
    rows = read_all(args["sql"])
    ms = (time.perf_counter() - t0) * 1000
    after = counts()
    trips = sum(after.get(k, 0) - before.get(k, 0) for k in ("statements", "statement-links"))
    peak = maxrss_mb()
    # Warm: the median of repeats in the same process, after `warmSkip` uncounted ones (as ours).
    warm = []
    skip = args.get("warmSkip", 0)
    for i in range(skip + args.get("warmRepeats", 0)):
        started = time.perf_counter()
        read_all(args["sql"])
        if i >= skip:
            warm.append((time.perf_counter() - started) * 1000)
    return {"ms": ms, "warmMs": median(warm) if warm else None, "trips": trips, "rows": rows,
            "peakRssMb": peak, "baselineRssMb": baseline}


def case_mcp(args):
    """One MCP tool call (execute_sql_read_only, SELECT 1) on the managed SQL server, through
    databricks-mcp's DatabricksMCPClient, databricks-langchain's DatabricksMultiServerMCPClient tool,
    and a raw httpx POST, with the MCP requests each call costs."""
    import asyncio

    import httpx
    from databricks.sdk import WorkspaceClient
    from databricks_langchain import DatabricksMCPServer, DatabricksMultiServerMCPClient
    from databricks_mcp import DatabricksMCPClient

    iters = args.get("iterations", 50)
    warm = args.get("warmup", 5)
    url = HOST + "/api/2.0/mcp/sql"
    call = {"query": "SELECT 1 AS one"}
    workspace = WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat")

    def requests_so_far():
        return counts().get("mcp-sql", 0)

    def timed(fn):
        for _ in range(warm):
            fn()
        before = requests_so_far()
        out = []
        for _ in range(iters):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return {"ms": median(out), "requestsPerCall": (requests_so_far() - before) / iters}

    res = {}
    raw = httpx.Client(verify=CA_FILE)
    counter = {"id": 0}

    def raw_call():
        counter["id"] += 1
        r = raw.post(
            url,
            headers={"authorization": "Bearer " + TOKEN, "accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": counter["id"], "method": "tools/call",
                  "params": {"name": "execute_sql_read_only", "arguments": call}},
        )
        if "result" not in r.json():
            raise RuntimeError(r.text)

    res["raw"] = timed(raw_call)
    client = DatabricksMCPClient(url, workspace)
    res["databricksMcpClient"] = timed(lambda: client.call_tool("execute_sql_read_only", call))

    # Loading the tools, like with like (see node_client.mjs): from the built WorkspaceClient, the
    # first load in this process, then the median of `loads` more, in wall and CPU time, with the
    # HTTP requests of a load; and from scratch (WorkspaceClient built inside the timer).
    loop = asyncio.new_event_loop()
    loads = args.get("loads", 5)

    def load(make_workspace):
        before = counts()
        c0, t0 = time.process_time(), time.perf_counter()
        multi = DatabricksMultiServerMCPClient(
            [DatabricksMCPServer(name="sql", url=url, workspace_client=make_workspace())]
        )
        tools = loop.run_until_complete(multi.get_tools())
        ms = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0) * 1000
        after = counts()
        requests = sum(after.get(k, 0) - before.get(k, 0) for k in after)
        return {"ms": ms, "cpuMs": cpu_ms, "requests": requests}, tools

    def load_stats(make_workspace):
        runs = [load(make_workspace)[0] for _ in range(loads)]
        return {key: median([r[key] for r in runs]) for key in ("ms", "cpuMs", "requests")}

    first, tools = load(lambda: workspace)
    tool = next(t for t in tools if t.name == "execute_sql_read_only")
    res["langchainSetupMs"] = first["ms"]
    res["langchainSetup"] = {"first": first}
    res["langchainTool"] = timed(lambda: loop.run_until_complete(tool.ainvoke(call)))
    res["langchainSetup"]["repeat"] = load_stats(lambda: workspace)
    res["langchainSetup"]["fromScratch"] = load_stats(
        lambda: WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat")
    )
    res["peakRssMb"] = maxrss_mb()
    return res


def case_genie(args):
    """Genie end to end with databricks-ai-bridge's Genie (fixed 0.5 s polls): wall time per
    question, Genie's own work from the workspace's control server, and the difference."""
    from databricks.sdk import WorkspaceClient
    from databricks_ai_bridge.genie import Genie

    questions = args.get("questions", 5)
    genie = Genie("bench", client=WorkspaceClient(host=HOST, token=TOKEN, auth_type="pat"))
    genie.ask_question("Warm up?")
    runs = []
    for i in range(questions):
        t0 = time.perf_counter()
        genie.ask_question(f"Orders by region ({i})?")
        elapsed = (time.perf_counter() - t0) * 1000
        with urllib.request.urlopen(CONTROL + "/genie") as r:
            message = json.loads(r.read())
        runs.append((elapsed, message["updatedAt"] - message["createdAt"]))
    return {
        "python": {
            "elapsedMs": median([r[0] for r in runs]),
            "workMs": median([r[1] for r in runs]),
            "overheadMs": median([r[0] - r[1] for r in runs]),
        },
        "peakRssMb": maxrss_mb(),
    }


def case_vector(args):
    """databricks-langchain's DatabricksVectorSearch.similarity_search against a managed Delta Sync
    index (the text is sent, the workspace embeds it), k = 5 and 50, against the same request made
    with httpx (POST, as the REST reference documents; the client sends GET with a JSON body)."""
    from databricks.sdk import WorkspaceClient
    from databricks_langchain import DatabricksVectorSearch

    iters = args.get("iterations", 100)
    warm = args.get("warmup", 10)
    questions = args["questions"]
    columns = ["id", "title", "url", "text"]
    url = f"{HOST}/api/2.0/vector-search/indexes/{args['index']}/query"
    raw_client = _raw_client()

    def raw(query, k):
        r = raw_client.post(url, json={"columns": columns, "num_results": k, "query_text": query})
        r.raise_for_status()
        return len(r.json()["result"]["data_array"])

    t0 = time.perf_counter()
    store = DatabricksVectorSearch(
        index_name=args["index"],
        columns=["title", "url"],
        doc_uri="url",
        primary_key="id",
        workspace_client=WorkspaceClient(host=HOST, token=TOKEN),
    )
    first = store.similarity_search(questions[0], k=5)
    first_query_ms = (time.perf_counter() - t0) * 1000

    def model(query, k):
        return len(store.similarity_search(query, k=k))

    def timed(fn, k):
        for i in range(warm):
            fn(questions[i % len(questions)], k)
        out = []
        for i in range(iters):
            start = time.perf_counter()
            rows = fn(questions[i % len(questions)], k)
            out.append((time.perf_counter() - start) * 1000)
            if rows != k:
                raise RuntimeError(f"expected {k} rows, got {rows}")
        return median(out)

    res = {"firstQueryMs": first_query_ms, "firstRows": len(first)}
    for k in args.get("ks", [5, 50]):
        res[f"raw{k}"] = timed(raw, k)
        res[f"model{k}"] = timed(model, k)
    res["peakRssMb"] = maxrss_mb()
    return res


CASES = {
    "spans": case_spans,
    "schema": case_schema,
    "query": case_query,
    "llm": case_llm,
    "trace": case_trace,
    "lakebase": case_lakebase,
    "seaClient": case_sea_client,
    "mcp": case_mcp,
    "genie": case_genie,
    "vector": case_vector,
}

if __name__ == "__main__":
    case = sys.argv[1]
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    try:
        out = CASES[case](args)
    except Exception as e:  # noqa: BLE001
        out = {"error": f"{type(e).__name__}: {e}"[:2000], "traceback": traceback.format_exc()[-4000:]}
    print(json.dumps(out))
