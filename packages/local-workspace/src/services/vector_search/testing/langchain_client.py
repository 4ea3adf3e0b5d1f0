"""Databricks' own LangChain integration (databricks-langchain 0.22, on databricks-ai-search 0.81),
unchanged, against the local workspace: `DatabricksVectorSearch` over a managed Delta Sync index
and a Direct Access index, and `VectorSearchRetrieverTool`. Prints what it saw as JSON on its last
line.

Usage: python langchain_client.py HOST TOKEN SOURCE_TABLE
(REQUESTS_CA_BUNDLE and SSL_CERT_FILE must name the workspace CA; DATABRICKS_HOST and
DATABRICKS_TOKEN name the workspace for DatabricksEmbeddings, which reads them through MLflow; the
table has id, title, url, text)
"""
import json
import sys
import time

import mlflow
from databricks.ai_search.client import VectorSearchClient
from databricks.sdk import WorkspaceClient
from databricks_langchain import DatabricksEmbeddings, DatabricksVectorSearch, VectorSearchRetrieverTool

host, token, source_table = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
# The tool traces itself into the default MLflow store (a SQLite file in the working directory);
# tracing is not what this checks.
mlflow.tracing.disable()

# Credentials go through a WorkspaceClient (auth type "pat"), as an app would pass them.
workspace = WorkspaceClient(host=host, token=token)
client = VectorSearchClient(workspace_url=host, personal_access_token=token, disable_notice=True)
client.create_endpoint(name="lc-vs", endpoint_type="STANDARD")
client.wait_for_endpoint("lc-vs")

catalog_schema = source_table.rsplit(".", 1)[0]
managed_name = f"{catalog_schema}.lc_docs_index"
managed = client.create_delta_sync_index(
    endpoint_name="lc-vs",
    source_table_name=source_table,
    index_name=managed_name,
    pipeline_type="TRIGGERED",
    primary_key="id",
    embedding_source_column="text",
    embedding_model_endpoint_name="embed",
)
deadline = time.time() + 60
while not managed.describe()["status"]["ready"] and time.time() < deadline:
    time.sleep(0.1)  # the client's own wait_until_ready sleeps 30 s between polls

# --- DatabricksVectorSearch over managed embeddings: queries send the text.
store = DatabricksVectorSearch(
    index_name=managed_name,
    columns=["title"],
    doc_uri="url",
    primary_key="id",
    include_score=True,
    workspace_client=workspace,
)
docs = store.similarity_search("Photon is a vectorized query engine", k=2)
out["managed_top"] = {"page_content": docs[0].page_content, "metadata": docs[0].metadata}
out["managed_count"] = len(docs)
docs = store.similarity_search("query engine", k=3, filter={"title": ["Delta", "Unity"]})
out["managed_filtered_titles"] = sorted(doc.metadata["title"] for doc in docs)
scored = store.similarity_search_with_score("vectorized engine", k=3, query_type="HYBRID")
out["hybrid_first"] = scored[0][0].metadata["title"]
out["hybrid_scores_descending"] = all(scored[i][1] >= scored[i + 1][1] for i in range(len(scored) - 1))
retriever = store.as_retriever(search_kwargs={"k": 1})
out["retriever"] = [doc.page_content for doc in retriever.invoke("Unity Catalog governs data and AI assets")]
try:
    DatabricksVectorSearch(
        index_name=managed_name, embedding=DatabricksEmbeddings(endpoint="embed"), workspace_client=workspace
    )
except ValueError as error:
    out["managed_with_embedding_error"] = str(error)

# --- Direct Access with self-managed embeddings from a serving endpoint of the workspace.
direct_name = f"{catalog_schema}.lc_notes"
direct = client.create_direct_access_index(
    endpoint_name="lc-vs",
    index_name=direct_name,
    primary_key="id",
    embedding_dimension=8,
    embedding_vector_column="vector",
    schema={"id": "string", "text": "string", "topic": "string", "vector": "array<float>"},
)
direct.wait_until_ready()
embeddings = DatabricksEmbeddings(endpoint="embed", workspace_client=workspace)
notes = DatabricksVectorSearch(
    index_name=direct_name,
    embedding=embeddings,
    text_column="text",
    columns=["topic"],
    workspace_client=workspace,
)
texts = ["apples are red", "bananas are yellow", "spinach is green", "the sky is blue"]
ids = notes.add_texts(texts, metadatas=[{"topic": "fruit"}, {"topic": "fruit"}, {"topic": "vegetable"}, {"topic": "sky"}])
out["added"] = len(ids)
out["direct_rows"] = direct.describe()["status"]["indexed_row_count"]
docs = notes.similarity_search("spinach is green", k=1)
out["direct_top"] = {"page_content": docs[0].page_content, "topic": docs[0].metadata["topic"]}
docs = notes.similarity_search("apples are red", k=4, filter={"topic": "fruit"})
out["direct_filtered"] = sorted(doc.page_content for doc in docs)
vector = embeddings.embed_query("the sky is blue")
out["by_vector"] = notes.similarity_search_by_vector(vector, k=1)[0].page_content
mmr = notes.max_marginal_relevance_search("apples are red", k=2, fetch_k=4)
out["mmr"] = [doc.page_content for doc in mmr]
notes.delete([ids[0]])
out["after_delete"] = direct.describe()["status"]["indexed_row_count"]

# --- The agent tool: name and description from the index, filters the model may pass.
tool = VectorSearchRetrieverTool(
    index_name=managed_name,
    tool_name="lakechain_docs",
    num_results=2,
    columns=["title"],
    doc_uri="url",
    primary_key="id",
    dynamic_filter=True,
    workspace_client=workspace,
)
out["tool_name"] = tool.name
out["tool_description"] = tool.description
out["tool_args"] = sorted(tool.args_schema.model_json_schema()["properties"].keys())
result = tool.invoke({"query": "which engine is vectorized?", "filters": [{"key": "title", "value": "Photon"}]})
out["tool_result"] = result
plain = VectorSearchRetrieverTool(index_name=managed_name, num_results=1, workspace_client=workspace)
out["default_tool_name"] = plain.name
out["default_tool_description"] = plain.description
out["plain_result"] = plain.invoke({"query": "transaction log"})

try:
    DatabricksVectorSearch(index_name=f"{catalog_schema}.missing", workspace_client=workspace)
except Exception as error:  # noqa: BLE001
    out["missing_error"] = type(error).__name__
    out["missing_message"] = str(error)

print(json.dumps(out, default=str))
