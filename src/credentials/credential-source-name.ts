import { CredentialSource } from "../../gen/switchyard/v1/credential_pb.js";

const names: Partial<Record<CredentialSource, "config" | "db">> = {
  [CredentialSource.STORE]: "db",
  [CredentialSource.CONFIG]: "config",
};

/**
 * How the JSON doors (REST, tRPC) say where a credential is defined: "db"
 * (stored through the API) or "config" (credential_list); undefined when the
 * service does not say.
 */
export function credentialSourceName(source: CredentialSource): "config" | "db" | undefined {
  return names[source];
}
