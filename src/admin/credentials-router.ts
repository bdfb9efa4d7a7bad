import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  CreateCredentialRequestSchema,
  type Credential,
  CredentialSchema,
  CredentialService,
  DeleteCredentialRequestSchema,
  ListCredentialsRequestSchema,
  UpdateCredentialRequestSchema,
} from "../../gen/switchyard/v1/credential_pb.js";
import type { CredentialHandlers } from "../services/credential-service.js";
import { jsonObject, object, optional, text, textMap } from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";

/** A credential as the admin API shows it: values masked by the service ("sk-a****"). */
export interface CredentialView {
  readonly name: string;
  readonly maskedValues: Record<string, string>;
  readonly info: JsonObject;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

const method = CredentialService.method;

/** CredentialService through tRPC: the same object, the same masking and admin checks. */
export function credentialsRouter(credentials: CredentialHandlers) {
  return adminRouter({
    list: adminProcedure.query(async ({ ctx }): Promise<CredentialView[]> => {
      const response = await callService(ctx, method.listCredentials, (context) =>
        credentials.listCredentials(create(ListCredentialsRequestSchema), context),
      );
      return response.credentials.map(credentialView);
    }),

    create: adminProcedure
      .input(object({ name: text, values: textMap, info: optional(jsonObject) }))
      .mutation(async ({ ctx, input }): Promise<CredentialView> => {
        const request = create(CreateCredentialRequestSchema, {
          credential: create(CredentialSchema, {
            credentialName: input.name,
            credentialValues: input.values,
            credentialInfo: input.info,
          }),
        });
        const response = await callService(ctx, method.createCredential, (context) =>
          credentials.createCredential(request, context),
        );
        return credentialView(response.credential!);
      }),

    /** Sets the given values (a rotation) and info keys; the others keep theirs. */
    update: adminProcedure
      .input(object({ name: text, values: textMap, info: optional(jsonObject) }))
      .mutation(async ({ ctx, input }): Promise<CredentialView> => {
        const request = create(UpdateCredentialRequestSchema, {
          credentialName: input.name,
          credentialValues: input.values,
          credentialInfo: input.info,
        });
        const response = await callService(ctx, method.updateCredential, (context) =>
          credentials.updateCredential(request, context),
        );
        return credentialView(response.credential!);
      }),

    delete: adminProcedure.input(object({ name: text })).mutation(async ({ ctx, input }) => {
      const request = create(DeleteCredentialRequestSchema, { credentialName: input.name });
      await callService(ctx, method.deleteCredential, (context) =>
        credentials.deleteCredential(request, context),
      );
      return { deleted: input.name };
    }),
  });
}

function credentialView(credential: Credential): CredentialView {
  return {
    name: credential.credentialName,
    maskedValues: { ...credential.credentialValues },
    info: credential.credentialInfo ?? {},
    createdAt: credential.createTime && timestampDate(credential.createTime).toISOString(),
    updatedAt: credential.updateTime && timestampDate(credential.updateTime).toISOString(),
  };
}
