"""Databricks' own Python client (databricks-vectorsearch 0.68), unchanged, against the local
workspace. Runs one scenario and prints what it saw as JSON on its last line.

Usage: python vectorsearch_client.py HOST TOKEN  (REQUESTS_CA_BUNDLE must name the workspace CA)
"""
import json
import sys
import time

from databricks.vector_search.client import VectorSearchClient
from databricks.vector_search.exceptions import NotFound, BadRequest

host, token = sys.argv[1], sys.argv[2]
out = {}

client = VectorSearchClient(workspace_url=host, personal_access_token=token, disable_notice=True)
client.create_endpoint(name="py-vs", endpoint_type="STANDARD")
client.wait_for_endpoint("py-vs")
out["endpoint_state"] = client.get_endpoint("py-vs")["endpoint_status"]["state"]
out["endpoints"] = [e["name"] for e in client.list_endpoints()["endpoints"]]

# Direct Access: create, upsert, query with both filter syntaxes, page, scan, delete.
direct = client.create_direct_access_index(
    endpoint_name="py-vs",
    index_name="main.default.py_notes",
    primary_key="id",
    embedding_dimension=4,
    embedding_vector_column="vector",
    schema={"id": "integer", "text": "string", "color": "string", "vector": "array<float>"},
)
direct.wait_until_ready()
rows = [
    {"id": i, "text": f"note {i}", "color": "red" if i % 2 else "blue", "vector": [float(i), 0.0, 0.0, 1.0]}
    for i in range(1, 8)
]
out["upsert"] = direct.upsert(rows)
result = direct.similarity_search(
    columns=["id", "color"], query_vector=[3.0, 0.0, 0.0, 1.0], num_results=3, filters={"color": "red"}
)
out["dict_filter"] = result["result"]["data_array"]
out["manifest"] = result["manifest"]["columns"]
# The SQL-like filter string is the syntax of storage-optimized endpoints: the same rows there.
client.create_endpoint(name="py-vs-so", endpoint_type="STORAGE_OPTIMIZED")
optimized = client.create_direct_access_index(
    endpoint_name="py-vs-so",
    index_name="main.default.py_notes_so",
    primary_key="id",
    embedding_dimension=4,
    embedding_vector_column="vector",
    schema={"id": "integer", "text": "string", "color": "string", "vector": "array<float>"},
)
optimized.upsert(rows)
result = optimized.similarity_search(
    columns=["id"], query_vector=[3.0, 0.0, 0.0, 1.0], num_results=7, filters="id >= 5 OR color = 'blue'"
)
out["string_filter_ids"] = sorted(row[0] for row in result["result"]["data_array"])
try:
    direct.similarity_search(columns=["id"], query_vector=[3.0, 0.0, 0.0, 1.0], filters="id >= 5")
except BadRequest as error:
    out["string_filter_on_standard"] = str(error)
# More rows than one page (the test sets pageSize 2): the client follows query-next-page.
result = direct.similarity_search(columns=["id"], query_vector=[0.0, 0.0, 0.0, 1.0], num_results=7)
out["paged_row_count"] = result["result"]["row_count"]
out["paged_ids"] = [row[0] for row in result["result"]["data_array"]]
out["scan"] = direct.scan(num_results=3, last_primary_key="2")
direct.delete([1, 2])
out["after_delete"] = direct.describe()["status"]["indexed_row_count"]

# Delta Sync with managed embeddings over a table of the workspace.
synced = client.create_delta_sync_index(
    endpoint_name="py-vs",
    source_table_name="main.default.py_docs",
    index_name="main.default.py_docs_index",
    pipeline_type="TRIGGERED",
    primary_key="id",
    embedding_source_column="text",
    embedding_model_endpoint_name="embed",
)
deadline = time.time() + 60
while not synced.describe()["status"]["ready"] and time.time() < deadline:
    time.sleep(0.1)  # the client's own wait_until_ready sleeps 30 s between polls
synced.wait_until_ready()
result = synced.similarity_search(columns=["id", "title"], query_text="Photon is a vectorized query engine", num_results=1)
out["managed_top"] = result["result"]["data_array"][0]
result = synced.similarity_search(
    columns=["id"], query_text="vectorized engine", query_type="HYBRID", num_results=2
)
out["hybrid_ids"] = [row[0] for row in result["result"]["data_array"]]
synced.sync()
fetched = client.get_index(index_name="main.default.py_docs_index")
out["get_index_endpoint"] = fetched.endpoint_name
out["listed"] = sorted(i["name"] for i in client.list_indexes("py-vs")["vector_indexes"])

try:
    client.get_index(index_name="main.default.missing")
except NotFound as error:
    out["missing_error"] = type(error).__name__
try:
    direct.similarity_search(columns=["id"], query_vector=[1.0, 2.0], num_results=1)
except BadRequest as error:
    out["bad_vector_error"] = str(error)

client.delete_index(index_name="main.default.py_notes")
out["after_delete_index"] = client.index_exists(index_name="main.default.py_notes")
print(json.dumps(out))
