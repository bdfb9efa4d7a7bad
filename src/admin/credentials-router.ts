import type { JsonObject } from "@bufbuild/protobuf";
import { type Credential, CredentialService } from "../../gen/switchyard/v1/credential_pb.js";
import { credentialSourceName } from "../credentials/credential-source-name.js";
import type { CredentialHandlers } from "../services/credential-service.js";
import { handlerCalls } from "../services/handler-calls.js";
import { jsonObject, type ObjectOf, object, optional, text, textList, textMap } from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";
import { changeTimes } from "./view-times.js";

/** A credential as the admin API shows it: values masked by the service ("sk****yz", api_base shown). */
export interface CredentialView {
  readonly name: string;
  readonly maskedValues: Record<string, string>;
  readonly info: JsonObject;
  /** "config": the config file's credential_list, read-only here; "db": stored through the API. */
  readonly source?: "config" | "db";
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** A credential's name, values and info, as create and update take them. */
const credentialInput = { name: text, values: optional(textMap), info: optional(jsonObject) };

/** CredentialService through tRPC: the same object, the same masking and admin checks. */
export function credentialsRouter(credentials: CredentialHandlers) {
  const rpc = handlerCalls(CredentialService, credentials);
  return adminRouter({
    list: adminProcedure.query(async ({ ctx }): Promise<CredentialView[]> => {
      const response = await callService(ctx, rpc("listCredentials"));
      return response.credentials.map(credentialView);
    }),

    /** A deployment's own credentials (by model_info.id), masked. */
    byModel: adminProcedure
      .input(object({ modelId: text }))
      .query(async ({ ctx, input }): Promise<CredentialView> => {
        const response = await callService(ctx, rpc("getModelCredential", { modelId: input.modelId }));
        return credentialView(response.credential!);
      }),

    /** With `modelId` instead of `values`: copies that deployment's credentials. */
    create: adminProcedure
      .input(object({ ...credentialInput, modelId: optional(text) }))
      .mutation(async ({ ctx, input }): Promise<CredentialView> => {
        const response = await callService(
          ctx,
          rpc("createCredential", { credential: credentialFields(input), modelId: input.modelId ?? "" }),
        );
        return credentialView(response.credential!);
      }),

    /** Sets the given values (a rotation) and info keys, removes `removedKeys`, renames to `newName`. */
    update: adminProcedure
      .input(object({ ...credentialInput, newName: optional(text), removedKeys: optional(textList) }))
      .mutation(async ({ ctx, input }): Promise<CredentialView> => {
        const response = await callService(
          ctx,
          rpc("updateCredential", {
            ...credentialFields(input),
            newCredentialName: input.newName ?? "",
            removedValueKeys: input.removedKeys ?? [],
          }),
        );
        return credentialView(response.credential!);
      }),

    delete: adminProcedure.input(object({ name: text })).mutation(async ({ ctx, input }) => {
      await callService(ctx, rpc("deleteCredential", { credentialName: input.name }));
      return { deleted: input.name };
    }),

    /** Re-encrypts every stored secret with a new salt key (the master key only). */
    rotateSaltKey: adminProcedure
      .input(object({ oldSaltKey: text, newSaltKey: text }))
      .mutation(async ({ ctx, input }) => {
        const response = await callService(ctx, rpc("rotateSaltKey", input));
        return { credentialsRewritten: response.credentialsRewritten };
      }),

    /** Ends the rotation window, once every replica runs with the new key. */
    finishSaltKeyRotation: adminProcedure.mutation(async ({ ctx }) => {
      await callService(ctx, rpc("finishSaltKeyRotation"));
      return { finished: true };
    }),
  });
}

/** A credential's name, values and info as create and update both send them. */
function credentialFields(input: ObjectOf<typeof credentialInput>) {
  return { credentialName: input.name, credentialValues: input.values ?? {}, credentialInfo: input.info };
}

function credentialView(credential: Credential): CredentialView {
  return {
    name: credential.credentialName,
    maskedValues: { ...credential.credentialValues },
    info: credential.credentialInfo ?? {},
    source: credentialSourceName(credential.source),
    ...changeTimes(credential),
  };
}
