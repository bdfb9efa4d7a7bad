// Package switchyard is a thin layer over the generated Switchyard stubs
// (switchyard/clients/go/switchyard/v1).
//
// Dial opens one connection whose every call carries the gateway key
// (SWITCHYARD_API_KEY unless given) and exposes the generated clients on it;
// Chat, StreamChat and Embed cover the common calls, with the answer's text
// and the gateway's x-litellm-* route metadata as typed fields. Errors are
// the usual gRPC statuses: status.Code(err), status.Convert(err).Message().
package switchyard
