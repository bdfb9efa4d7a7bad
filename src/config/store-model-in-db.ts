/**
 * Whether models are stored (LiteLLM's store_model_in_db): on whenever there
 * is a database, unless `general_settings.store_model_in_db: false` or
 * STORE_MODEL_IN_DB=False turns it off (LiteLLM's default is off; Switchyard
 * stores agents and credentials the same way without a switch).
 */
export function storeModelInDb(
  generalSettings: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
): boolean {
  const setting = generalSettings.store_model_in_db ?? env.STORE_MODEL_IN_DB;
  if (setting === undefined || setting === null) return true;
  return !/^(false|0|no|off)$/i.test(String(setting).trim());
}
