import type { DescFile } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { file_grpc_health_v1_health } from "../../gen/grpc/health/v1/health_pb.js";
import { file_grpc_reflection_v1_reflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { file_grpc_reflection_v1alpha_reflection } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { A2AService, file_lf_a2a_v1_a2a } from "../../gen/lf/a2a/v1/a2a_pb.js";
import { AgentService, file_switchyard_v1_agent } from "../../gen/switchyard/v1/agent_pb.js";
import { CompletionService, file_switchyard_v1_completion } from "../../gen/switchyard/v1/completion_pb.js";
import { CredentialService, file_switchyard_v1_credential } from "../../gen/switchyard/v1/credential_pb.js";
import { file_switchyard_v1_key, KeyService } from "../../gen/switchyard/v1/key_pb.js";
import { file_switchyard_v1_model, ModelService } from "../../gen/switchyard/v1/model_pb.js";
import { file_switchyard_v1_prompt, PromptService } from "../../gen/switchyard/v1/prompt_pb.js";
import type { AgentHandlers } from "../services/agent-service.js";
import type { CompletionHandlers } from "../services/completion-service.js";
import type { CredentialHandlers } from "../services/credential-service.js";
import { type HealthState, registerHealthService } from "../services/grpc-health.js";
import { registerReflectionService } from "../services/grpc-reflection.js";
import type { KeyHandlers } from "../services/key-service.js";
import type { ModelHandlers } from "../services/model-service.js";
import type { PromptHandlers } from "../services/prompt-service.js";

/** Every file whose services the gateway serves, for reflection. */
const servedFiles: readonly DescFile[] = [
  file_switchyard_v1_completion,
  file_switchyard_v1_credential,
  file_switchyard_v1_agent,
  file_switchyard_v1_key,
  file_switchyard_v1_prompt,
  file_lf_a2a_v1_a2a,
  file_switchyard_v1_model,
  file_grpc_health_v1_health,
  file_grpc_reflection_v1_reflection,
  file_grpc_reflection_v1alpha_reflection,
];

export interface ConnectServices {
  readonly completion: CompletionHandlers;
  readonly credentials: CredentialHandlers;
  readonly agents: AgentHandlers;
  readonly keys: KeyHandlers;
  readonly prompts: PromptHandlers;
  readonly models: ModelHandlers;
  readonly health: HealthState;
  /** A2A's own gRPC binding (lf.a2a.v1.A2AService) over the served agents. */
  readonly a2a: ServiceImpl<typeof A2AService>;
}

/** The whole RPC surface: gRPC, gRPC-web and Connect clients all land here. */
export function connectRoutes(services: ConnectServices) {
  return (router: ConnectRouter) => {
    router.service(CompletionService, services.completion);
    router.service(CredentialService, services.credentials);
    router.service(AgentService, services.agents);
    router.service(KeyService, services.keys);
    router.service(PromptService, services.prompts);
    router.service(A2AService, services.a2a);
    router.service(ModelService, services.models);
    registerHealthService(router, services.health);
    registerReflectionService(router, servedFiles);
  };
}
