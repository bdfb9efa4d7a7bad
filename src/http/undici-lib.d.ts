// undici's own files, imported by undici-parts.ts; typed there through undici's public types.
declare module "undici/lib/dispatcher/agent.js" {
  const Agent: unknown;
  export default Agent;
}
declare module "undici/lib/api/api-request.js" {
  const request: unknown;
  export default request;
}
