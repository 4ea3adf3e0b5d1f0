"""The benchmarked agent, Python side: MLflow's ResponsesAgent over LangChain's FakeListChatModel
(the same answer, streamed character by character), served by MLflow's AgentServer (FastAPI,
uvicorn, one worker), tracing off. Prints the port, then serves.

With --baseline N: calls predict / predict_stream in-process N times and prints the timings."""
import json
import socket
import sys
import time

import mlflow
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from mlflow.genai.agent_server import AgentServer, invoke, stream
from mlflow.pyfunc import ResponsesAgent
from mlflow.types.responses import (
    ResponsesAgentRequest,
    ResponsesAgentResponse,
    ResponsesAgentStreamEvent,
)

ANSWER = "The answer is 42."
mlflow.tracing.disable()


class FakeAgent(ResponsesAgent):
    def __init__(self):
        self.model = FakeListChatModel(responses=[ANSWER])

    def _messages(self, request):
        return [{"role": item.role, "content": item.content} for item in request.input if hasattr(item, "role")]

    def predict(self, request: ResponsesAgentRequest) -> ResponsesAgentResponse:
        message = self.model.invoke(self._messages(request))
        item = self.create_text_output_item(text=message.content, id="msg_1")
        return ResponsesAgentResponse(output=[item])

    def predict_stream(self, request: ResponsesAgentRequest):
        text = ""
        for chunk in self.model.stream(self._messages(request)):
            text += chunk.content
            yield ResponsesAgentStreamEvent(**self.create_text_delta(delta=chunk.content, item_id="msg_1"))
        yield ResponsesAgentStreamEvent(
            type="response.output_item.done",
            item=self.create_text_output_item(text=text, id="msg_1"),
        )


agent = FakeAgent()


@invoke()
def handle(request: ResponsesAgentRequest) -> ResponsesAgentResponse:
    return agent.predict(request)


@stream()
def handle_stream(request: ResponsesAgentRequest):
    yield from agent.predict_stream(request)


server = AgentServer("ResponsesAgent")
app = server.app

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--baseline":
        count = int(sys.argv[2])
        request = ResponsesAgentRequest(input=[{"role": "user", "content": "What is the answer?"}])
        for _ in range(20):
            agent.predict(request)
        invoke_ms, first_ms = [], []
        for _ in range(count):
            start = time.perf_counter()
            agent.predict(request)
            invoke_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            events = agent.predict_stream(request)
            next(events)
            first_ms.append((time.perf_counter() - start) * 1000)
            for _ in events:
                pass
        print(json.dumps({"invoke_ms": invoke_ms, "first_token_ms": first_ms}))
        sys.exit(0)
    import uvicorn

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    print(port, flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning")
