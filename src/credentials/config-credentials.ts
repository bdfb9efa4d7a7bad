/** One credential as the resolver holds it: values in clear, in memory only. */
export interface PlainCredential {
  readonly name: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** credential_info from the YAML (config credentials only). */
  readonly info?: Readonly<Record<string, unknown>>;
}

/**
 * The YAML's `credential_list:` (LiteLLM: `[{credential_name,
 * credential_values: {api_key: os.environ/X, …}, credential_info}]`), env
 * references already resolved. These are config credentials: usable by
 * models, never stored. Entries without a name or values are skipped with a
 * warning that names the entry's position, never a value.
 */
export function readConfigCredentials(
  credentialList: readonly unknown[],
  warn: (message: string) => void,
): PlainCredential[] {
  const credentials: PlainCredential[] = [];
  credentialList.forEach((entry, index) => {
    const name = isRecord(entry) ? entry.credential_name : undefined;
    const values = isRecord(entry) ? entry.credential_values : undefined;
    if (typeof name !== "string" || name === "" || !isRecord(values)) {
      warn(`credential_list[${index}]: needs credential_name and a credential_values mapping; ignored`);
      return;
    }
    const info = isRecord(entry) && isRecord(entry.credential_info) ? entry.credential_info : undefined;
    credentials.push({ name, values, ...(info && { info }) });
  });
  return credentials;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
