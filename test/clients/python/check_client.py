"""Drives the Python client against a gateway for test/clients/clients.test.ts.

Usage: check_client.py TARGET COMMAND ARGS…; the key comes from SWITCHYARD_API_KEY, as a
user's would. Prints one JSON object: the call's outcome, or {"code", "details"} when the
call fails with a gRPC status.
"""

import json
import sys
import uuid

import grpc
from google.protobuf import struct_pb2
from switchyard.v1 import agent_pb2, credential_pb2, model_pb2
from switchyard_client import SwitchyardClient


def route_json(route):
    return {
        "callId": route.call_id,
        "modelGroup": route.model_group,
        "deploymentId": route.deployment_id,
        "overheadMs": route.overhead_ms,
        "attemptedRetries": route.attempted_retries,
    }


def chat(client, model, text):
    reply = client.chat(model, text)
    return {"text": reply.text, "route": route_json(reply.route), "totalTokens": reply.completion.usage.total_tokens}


def stream(client, model, text):
    call = client.stream_chat(model, text)
    deltas = list(call.text_deltas())
    return {"deltas": len(deltas), "text": "".join(deltas), "route": route_json(call.route)}


def embed(client, model, *texts):
    vectors = client.embed(model, texts)
    return {"count": len(vectors), "dimensions": [len(vector) for vector in vectors]}


def credential(client, name, api_key):
    client.credentials.CreateCredential(
        credential_pb2.CreateCredentialRequest(
            credential=credential_pb2.Credential(credential_name=name, credential_values={"api_key": api_key})
        )
    )
    got = client.credentials.GetCredential(credential_pb2.GetCredentialRequest(credential_name=name))
    return {"name": got.credential.credential_name, "values": dict(got.credential.credential_values)}


def model(client, name, api_base, api_key):
    params = struct_pb2.Struct()
    params.update({"model": "openai/gpt-4o-mini", "api_base": api_base, "api_key": api_key})
    created = client.models.CreateDeployment(
        model_pb2.CreateDeploymentRequest(deployment=model_pb2.Deployment(model_name=name, litellm_params=params))
    )
    reply = client.chat(name, "stored")
    client.models.DeleteDeployment(model_pb2.DeleteDeploymentRequest(model_id=created.deployment.model_id))
    return {"apiKey": created.deployment.litellm_params["api_key"], "text": reply.text}


def agent(client, name, text):
    message = struct_pb2.Struct()
    message.update({"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]})
    response = client.agents.SendAgentMessage(agent_pb2.SendAgentMessageRequest(agent_name=name, message=message))
    task = response.result["task"]
    texts = [part["text"] for artifact in task["artifacts"] for part in artifact["parts"] if "text" in part]
    return {"state": task["status"]["state"], "text": "".join(texts)}


def deadline(client, model, seconds):
    client.chat(model, "never answered", timeout=float(seconds))
    return {"answered": True}


commands = {"chat": chat, "stream": stream, "embed": embed, "credential": credential, "model": model, "agent": agent, "deadline": deadline}


def main():
    target, command, *args = sys.argv[1:]
    with SwitchyardClient(target) as client:
        try:
            result = commands[command](client, *args)
        except grpc.RpcError as error:
            result = {"code": error.code().name, "details": error.details()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
