"""Databricks' own Python clients, unchanged, against an agent deployed as a Databricks App.

Usage: python python_clients.py <host> <client_id> <client_secret> <app name>
Prints one JSON object with what each client got. TLS trust comes from SSL_CERT_FILE (httpx,
the OpenAI client) and REQUESTS_CA_BUNDLE (databricks-sdk).
"""
import json
import sys

from databricks.sdk import WorkspaceClient
from databricks_langchain import ChatDatabricks
from databricks_openai import DatabricksOpenAI

host, client_id, client_secret, app = sys.argv[1:5]
workspace = WorkspaceClient(
    host=host, client_id=client_id, client_secret=client_secret, auth_type="oauth-m2m"
)
model = f"apps/{app}"
question = [{"role": "user", "content": "Weather in Rome?"}]
out = {}

client = DatabricksOpenAI(workspace_client=workspace)
response = client.responses.create(model=model, input=question)
out["openai_text"] = response.output_text
out["openai_types"] = [item.type for item in response.output]
out["openai_usage"] = response.usage.total_tokens if response.usage else None

events = list(client.responses.create(model=model, input=question, stream=True))
out["openai_stream_text"] = "".join(
    event.delta for event in events if event.type == "response.output_text.delta"
)
out["openai_stream_types"] = sorted({event.type for event in events})

llm = ChatDatabricks(model=model, use_responses_api=True, workspace_client=workspace)
message = llm.invoke("Weather in Rome?")
out["langchain_text"] = message.text if isinstance(message.text, str) else message.text()
# The agent's own tool result streams as a ToolMessageChunk (Python's conversion of a
# function_call_output item); the answer is the sum of the AI chunks.
chunks = [chunk for chunk in llm.stream("Weather in Rome?") if chunk.type == "AIMessageChunk"]
merged = chunks[0]
for chunk in chunks[1:]:
    merged = merged + chunk
out["langchain_stream_text"] = merged.text if isinstance(merged.text, str) else merged.text()
print(json.dumps(out))
